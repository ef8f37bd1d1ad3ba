#!/bin/bash
# Placeholder: not written yet.
echo "check_resources: not written yet"
exit 77
