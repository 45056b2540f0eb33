"""The console's log, /var/log/tengine/console.log: start and stop, logins, DB errors and one
access line per request. Times in UTC, as everywhere in Tengine."""
from __future__ import annotations

import logging
import time
from logging.handlers import WatchedFileHandler

from tengine_console.errors import ConsoleError

LOG_FILE = "/var/log/tengine/console.log"


def open_log(path: str) -> logging.Logger:
    try:
        # Watched: after logrotate moves the file, the next line goes to a new one.
        handler = WatchedFileHandler(path, encoding="utf-8")
    except OSError as error:
        raise ConsoleError(f"cannot open the log {path}: {error.strerror}") from None
    formatter = logging.Formatter("%(asctime)s %(levelname)s %(message)s", "%Y-%m-%dT%H:%M:%SZ")
    formatter.converter = time.gmtime
    handler.setFormatter(formatter)
    # A logger of its own, outside logging's global registry: each server (and test) has one.
    log = logging.Logger("tengine_console", logging.INFO)
    log.addHandler(handler)
    return log
