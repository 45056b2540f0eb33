"""The report's archive: <folder>.tar.gz holding <folder>/ and its files, readable by its
owner only (it describes the server, even masked)."""
from __future__ import annotations

import io
import os
import tarfile
from datetime import datetime
from pathlib import Path, PurePosixPath


def write(directory: Path, folder: str, contents: dict[str, bytes], when: datetime) -> Path:
    """Write the archive in directory; OSError when it cannot (it is never overwritten)."""
    path = directory / f"{folder}.tar.gz"
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as raw, tarfile.open(fileobj=raw, mode="w:gz") as tar:
        folders = {parent for name in contents for parent in PurePosixPath(folder, name).parents}
        for name in sorted(str(parent) for parent in folders - {PurePosixPath(".")}):
            tar.addfile(_entry(name, tarfile.DIRTYPE, 0o755, 0, when))
        for name, data in contents.items():
            tar.addfile(_entry(f"{folder}/{name}", tarfile.REGTYPE, 0o644, len(data), when),
                        io.BytesIO(data))
    return path


def _entry(name: str, kind: bytes, mode: int, size: int, when: datetime) -> tarfile.TarInfo:
    entry = tarfile.TarInfo(name)
    entry.type, entry.mode, entry.size, entry.mtime = kind, mode, size, int(when.timestamp())
    entry.uname = entry.gname = "root"
    return entry
