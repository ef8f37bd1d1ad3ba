#!/bin/bash
# Placeholder: not written yet.
echo "check_api: not written yet"
exit 77
