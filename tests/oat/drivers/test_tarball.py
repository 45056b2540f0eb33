"""oat.drivers.tarball: in-memory tar archives as the engine copies them."""

from __future__ import annotations

import io
import tarfile

from oat.drivers.tarball import tar_of


def test_tar_of_holds_each_file_with_its_mode():
    data = tar_of({"/etc/oat/a.conf": b"a=1\n", "b": b""}, mode=0o600)
    with tarfile.open(fileobj=io.BytesIO(data)) as tar:
        members = {m.name: m for m in tar.getmembers()}
        assert set(members) == {"etc/oat/a.conf", "b"}  # leading / stripped
        assert members["etc/oat/a.conf"].mode == 0o600
        assert tar.extractfile("etc/oat/a.conf").read() == b"a=1\n"


def test_tar_of_default_mode_is_0644():
    with tarfile.open(fileobj=io.BytesIO(tar_of({"x": b"1"}))) as tar:
        assert tar.getmember("x").mode == 0o644
