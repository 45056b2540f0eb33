"""The core's log: <log_common.output>/tengined.log, and stderr (the journal under systemd,
the terminal otherwise; /dev/null once detached)."""
from __future__ import annotations

import logging
import logging.handlers
import sys
from pathlib import Path

from tengine_core.config import LogCommon
from tengine_core.errors import TengineError

FILE_NAME = "tengined.log"
FORMAT = "%(asctime)s tengined[%(process)d] %(levelname)s %(message)s"
LEVELS = {"debug": logging.DEBUG, "info": logging.INFO, "warn": logging.WARNING,
          "error": logging.ERROR, "fatal": logging.CRITICAL}


def setup(settings: LogCommon, name: str = "tengined") -> logging.Logger:
    log = logging.getLogger(name)
    log.setLevel(LEVELS[settings.level])
    log.propagate = False
    for handler in list(log.handlers):
        log.removeHandler(handler)
        handler.close()
    log_file = Path(settings.output) / FILE_NAME
    try:
        # Watched: logrotate moves the file, and this reopens it.
        to_file = logging.handlers.WatchedFileHandler(log_file, encoding="utf-8")
    except OSError as error:
        raise TengineError(f"cannot open log file {log_file}: {error.strerror or error}") from None
    to_file.setFormatter(logging.Formatter(FORMAT))
    log.addHandler(to_file)
    to_stderr = logging.StreamHandler(sys.stderr)
    to_stderr.setFormatter(logging.Formatter("%(levelname)s %(message)s"))
    log.addHandler(to_stderr)
    return log
