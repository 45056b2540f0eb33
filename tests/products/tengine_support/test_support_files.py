"""Finding the files a pattern names below the root, and a log's last lines."""

from __future__ import annotations

import gzip

from tengine_support.files import TAIL_LINES, find, tail


def test_a_pattern_names_files_and_folders(server):
    assert find(server, "etc/postgresql/*/main/pg_hba.conf") == [server / "etc/postgresql/15/main/pg_hba.conf"]
    found = [p.relative_to(server).as_posix() for p in find(server, "var/log/tengine*")]
    assert found == [
        "var/log/tengine/tengined.log",
        "var/log/tengine/tengined.log.1.gz",
        "var/log/tengine_job_agent/42_j1-100.stdout",
    ]
    assert find(server, "etc/rabbitmq") == [server / "etc/rabbitmq/rabbitmq.conf"]
    assert find(server, "etc/docker/daemon.json") == []


def test_the_last_500_lines_of_a_log(tmp_path):
    log = tmp_path / "big.log"
    log.write_text("".join(f"line {n}\n" for n in range(1, 1001)))
    lines = tail(log).decode().splitlines()
    assert TAIL_LINES == 500 and lines[0] == "line 501" and lines[-1] == "line 1000"
    assert len(lines) == 500


def test_a_gzip_rotation_is_read_uncompressed(tmp_path):
    with gzip.open(tmp_path / "x.log.1.gz", "wt") as rotated:
        rotated.write("a\nb\n")
    assert tail(tmp_path / "x.log.1.gz") == b"a\nb\n"
