"""Tar archives in memory, the form in which the engine copies files into containers (the
Docker lab publishes its packages this way)."""

from __future__ import annotations

import io
import tarfile
import time


def tar_of(files: dict[str, bytes], mode: int = 0o644) -> bytes:
    """An uncompressed tar of {path: content} (paths relative to where it is unpacked)."""
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w") as tar:
        for name, data in files.items():
            info = tarfile.TarInfo(name.lstrip("/"))
            info.size, info.mode, info.mtime = len(data), mode, int(time.time())
            tar.addfile(info, io.BytesIO(data))
    return buf.getvalue()
