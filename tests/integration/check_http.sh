#!/bin/bash
# Placeholder: not written yet.
echo "check_http: not written yet"
exit 77
