"""index.txt: the report's table of contents, for a person: the server, the time, each file
and what it holds, and what was withheld, absent or went wrong."""
from __future__ import annotations

from datetime import datetime

from tengine_support.collect import Report

NAME = "index.txt"


def render(report: Report, host: str, when: datetime) -> str:
    names = [NAME, *report.files]
    about = {NAME: "this table of contents", **report.about}
    width = max(len(name) for name in names)
    lines = ["tengine-support: サーバ構成レポート (server configuration report)", "",
             f"host  {host}", f"OS    {report.os_name}",
             f"time  {when:%Y-%m-%d %H:%M:%S} UTC", "",
             "Files (secrets masked: ********)"]
    lines += [f"  {name:<{width}}  {about[name]}" for name in names]
    lines += _listing("Withheld (key files and the console's users: not copied)", report.withheld)
    lines += _listing("Not on this server", report.absent)
    lines += _listing("Problems (noted, not fatal)", report.problems)
    return "\n".join(lines) + "\n"


def _listing(title: str, entries: list[str]) -> list[str]:
    return ["", title, *(f"  {entry}" for entry in entries or ["(none)"])]
