"""The agent's log files in log_dir: one line per message, naming the program and its pid."""
from __future__ import annotations

import logging
import logging.handlers
from pathlib import Path

from tengine_job_agent.errors import AgentError

RUN_LOG = "tengine_job_agent.log"  # tengine_job_agent_run and the watchdogs
AGENTD_LOG = "tengine_job_agentd.log"


def open_log(log_dir: Path, file_name: str, program: str) -> logging.Logger:
    """A logger that appends to log_dir/file_name; AgentError when the file cannot be opened."""
    path = Path(log_dir) / file_name
    log = logging.getLogger(f"tengine_job_agent.{program}")
    log.setLevel(logging.INFO)
    log.propagate = False
    for handler in list(log.handlers):
        log.removeHandler(handler)
        handler.close()
    try:
        # Watched: logrotate moves the file, and the resident agent reopens it.
        to_file = logging.handlers.WatchedFileHandler(path, encoding="utf-8")
    except OSError as error:
        raise AgentError(f"cannot open log file {path}: {error.strerror or error}") from None
    to_file.setFormatter(logging.Formatter(
        f"%(asctime)s {program}[%(process)d] %(levelname)s %(message)s"))
    log.addHandler(to_file)
    return log
