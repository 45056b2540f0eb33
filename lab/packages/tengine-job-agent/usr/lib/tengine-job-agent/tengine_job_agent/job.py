"""What identifies a job: the MM_ variables the core sets when it starts one, the job's name
in the logs and in its output files, and its exit status as the events report it."""
from __future__ import annotations

from pathlib import Path
from typing import Mapping

MM_KEYS = ("MM_SERVER_NAME", "MM_ROOT_JOBNET_ID", "MM_TARGET_JOBNET_ID", "MM_ACTUAL_JOB_ID")


def mm_variables(environ: Mapping[str, str]) -> dict:
    """The four MM_ variables, None for one the caller did not set."""
    return {key: environ.get(key) for key in MM_KEYS}


def name(environ: Mapping[str, str], script: str) -> str:
    """MM_ACTUAL_JOB_ID (`<execution id>/<job name>`), or the script's file name for a job
    started by hand."""
    return environ.get("MM_ACTUAL_JOB_ID") or Path(script).name


def exit_status(returncode: int) -> int:
    """The status as a shell reports it: a job killed by signal N (-N from subprocess) is
    128 + N, e.g. 143 for SIGTERM; the original reported -N."""
    return returncode if returncode >= 0 else 128 - returncode
