#!/bin/bash
# Placeholder: not written yet.
echo "check_log: not written yet"
exit 77
