#!/bin/sh
# The job of jobnet jn_hello (use case 000 basic course 17): says where it ran.
echo "hello from $(hostname) job ${MM_ACTUAL_JOB_ID:-?}"
