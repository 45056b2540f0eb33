"""The CL/Web log: config/logs/clweb.log (on the shared disk with the config folder), and
stderr, which systemd puts in the journal."""
from __future__ import annotations

import logging
import logging.handlers
import sys
from pathlib import Path

from clweb.errors import ClwebError

FORMAT = "%(asctime)s clweb_serv[%(process)d] %(levelname)s %(message)s"


def setup(log_file: Path, stderr: bool = True, name: str = "clweb") -> logging.Logger:
    log = logging.getLogger(name)
    log.setLevel(logging.INFO)
    log.propagate = False
    for handler in list(log.handlers):
        log.removeHandler(handler)
        handler.close()
    try:
        # Watched: the housekeeper rotates the file, and this reopens it when it moves.
        to_file = logging.handlers.WatchedFileHandler(log_file, encoding="utf-8")
    except OSError as error:
        raise ClwebError(f"cannot open log file {log_file}: {error.strerror or error}") from None
    to_file.setFormatter(logging.Formatter(FORMAT))
    log.addHandler(to_file)
    if stderr:
        to_stderr = logging.StreamHandler(sys.stderr)
        to_stderr.setFormatter(logging.Formatter("%(levelname)s %(message)s"))
        log.addHandler(to_stderr)
    return log
