"""tengine_support_report [-o DIR]: collect the report, write the archive, print its path.

Exit status: 0 written (failed commands and unreadable files are noted in index.txt), 1 the
archive could not be written, 2 bad usage."""
from __future__ import annotations

import argparse
import socket
import sys
from datetime import datetime, timezone
from pathlib import Path

from tengine_support import archive, index
from tengine_support.collect import collect


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="tengine_support_report",
        description="Collect this server's configuration report (サーバ構成レポート) into"
                    " tengine-support-<hostname>-<UTC time>.tar.gz.")
    parser.add_argument("-o", dest="directory", type=Path, default=Path("/var/tmp"),
                        help="where to write the archive (default: /var/tmp)")
    parser.add_argument("--root", type=Path, default=Path("/"),
                        help="read configuration and logs below this folder instead of /"
                             " (a mounted system, or tests); commands still describe this server")
    args = parser.parse_args(argv)
    when = datetime.now(timezone.utc)
    host = socket.gethostname()
    folder = f"tengine-support-{host}-{when:%Y%m%dT%H%M%SZ}"
    report = collect(args.root)
    contents = {index.NAME: index.render(report, host, when).encode("utf-8"), **report.files}
    try:
        path = archive.write(args.directory, folder, contents, when)
    except OSError as error:
        target = args.directory / f"{folder}.tar.gz"
        print(f"tengine_support_report: cannot write {target}: {error.strerror or error}",
              file=sys.stderr)
        return 1
    print(path)
    return 0
