#!/bin/sh
# The job of the job test start (`tengined -k jobtest`): proves that the core can log in,
# that the agent runs a script, and that its finished event reaches the core.
echo "tengine jobtest"
exit 0
