#!/bin/bash
# Placeholder: not written yet.
echo "check_db: not written yet"
exit 77
