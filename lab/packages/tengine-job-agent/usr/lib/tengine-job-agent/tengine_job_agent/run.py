"""tengine_job_agent_run: check the script, start its watchdog detached, return at once."""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from tengine_job_agent.errors import AgentError

# <root>/usr/lib/tengine-job-agent/tengine_job_agent/run.py -> <root>/usr/bin/...
WATCHDOG = Path(__file__).resolve().parents[3] / "bin" / "tengine_job_agent_watchdog"


def check_script(script: str) -> None:
    path = Path(script)
    if not path.is_file():
        raise AgentError(f"{script}: not found")
    if not os.access(path, os.X_OK):
        raise AgentError(f"{script}: not executable")


def start_watchdog(config_path: Path, script: str, args: list[str]) -> int:
    """Start the watchdog in a session of its own and return its pid without waiting.

    Its stdio is /dev/null and it keeps no other descriptor of ours, so an SSH session that
    ran this command ends now, not when the job does; in its own session no hangup of that
    session reaches it. It runs on this interpreter (the package's /usr/bin/python3)."""
    watchdog = subprocess.Popen(
        [sys.executable, str(WATCHDOG), "-c", str(config_path), script, *args],
        stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        close_fds=True, start_new_session=True)
    return watchdog.pid
