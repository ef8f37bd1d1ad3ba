#!/bin/bash
# Placeholder: not written yet.
echo "check_backup: not written yet"
exit 77
