"""The files the report copies, found below a root (/ on a live server): the ones a pattern
names, and a log's last lines."""
from __future__ import annotations

import gzip
from collections import deque
from pathlib import Path

TAIL_LINES = 500


def find(root: Path, pattern: str) -> list[Path]:
    """The regular files that pattern (a glob below root, e.g. etc/postgresql/*/main/x.conf)
    names, and those under the folders it names, sorted."""
    found = []
    for match in sorted(root.glob(pattern)):
        if match.is_dir() and not match.is_symlink():
            found.extend(sorted(path for path in match.rglob("*") if path.is_file()))
        elif match.is_file():
            found.append(match)
    return found


def tail(path: Path, lines: int = TAIL_LINES) -> bytes:
    """The last lines of a log; a rotated log compressed with gzip is read uncompressed."""
    opener = gzip.open if path.suffix == ".gz" else open
    with opener(path, "rb") as log:
        return b"".join(deque(log, maxlen=lines))
