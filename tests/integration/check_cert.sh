#!/bin/bash
# Placeholder: not written yet.
echo "check_cert: not written yet"
exit 77
