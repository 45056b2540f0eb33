"""JSON files in the config folder, replaced atomically so a crash or a failover in the
middle of a write never leaves a half-written file on the shared disk."""
from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path

from clweb.errors import ClwebError

TMP_SUFFIX = ".tmp"  # the housekeeper removes temp files a crashed writer left behind


def read(path: Path, default):
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return default
    except (OSError, ValueError) as error:
        raise ClwebError(f"{path}: cannot read: {error}") from None


def write_atomic(path: Path, data, mode: int = 0o600) -> None:
    """Write to a temp file in the same folder, flush it to disk, then rename over path."""
    try:
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=TMP_SUFFIX)
    except OSError as error:
        raise ClwebError(f"{path}: cannot write: {error}") from None
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as out:
            json.dump(data, out, ensure_ascii=False, indent=1, sort_keys=True)
            out.write("\n")
            out.flush()
            os.fsync(out.fileno())
        os.chmod(tmp, mode)
        os.replace(tmp, path)
    except OSError as error:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise ClwebError(f"{path}: cannot write: {error}") from None
