"""Tar archives in memory, the form in which the engine copies files into containers."""
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


def read_member(chunks, name: str) -> bytes:
    """The content of `name` in a tar stream as the engine's get_archive returns it."""
    with tarfile.open(fileobj=io.BytesIO(b"".join(chunks))) as tar:
        try:
            member = tar.extractfile(name)
        except KeyError:
            return b""
        return member.read() if member else b""
