#!/bin/bash
# Placeholder: not written yet.
echo "check_service: not written yet"
exit 77
