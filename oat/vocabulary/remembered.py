"""What a step remembers for a later one: a command's output under a name, where a file ended,
the journal's cursor.

A before/after check compares with what was taken before the event, never with whatever is
there now: a line written at install time must not pass for one written after a promotion.
What a feature folder's steps remember lasts for the folder's later scenarios too (a folder is
one procedure, its scenarios in order), so a value taken before an update in one scenario can
be read back after it in the next. Each server keeps its own.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import pytest

from oat.errors import FeatureError


@dataclass(frozen=True)
class Output:
    """A command's standard output (stripped), remembered under a name on one server."""

    name: str
    server: str
    command: str
    value: str


@dataclass(frozen=True)
class FileEnd:
    """Where a file ended on one server: its size in bytes and its inode (None: no file then)."""

    path: str
    server: str
    size: int
    inode: str | None


@dataclass
class Remembered:
    """What the steps of one procedure (feature folder) remembered, by server."""

    outputs: dict[tuple[str, str], Output] = field(default_factory=dict)  # (name, server)
    file_ends: dict[tuple[str, str], FileEnd] = field(default_factory=dict)  # (path, server)
    cursors: dict[str, str] = field(default_factory=dict)  # server -> cursor, "" for none yet

    def keep_output(self, name: str, server: str, command: str, value: str) -> None:
        self.outputs[(name, server)] = Output(name, server, command, value)

    def keep_file_end(self, path: str, server: str, size: int, inode: str | None) -> None:
        self.file_ends[(path, server)] = FileEnd(path, server, size, inode)

    def output(self, name: str, server: str) -> Output:
        """The output remembered as `name` on `server`; else the only one remembered as
        `name` (written on one server, read back on another: after a failover)."""
        if (name, server) in self.outputs:
            return self.outputs[(name, server)]
        taken = [o for (n, _), o in self.outputs.items() if n == name]
        if len(taken) == 1:
            return taken[0]
        where = ", ".join(o.server for o in taken)
        raise FeatureError(
            f"no output remembered as '{name}' on {server}"
            + (
                f" (remembered on {where}: name one of them)"
                if taken
                else f': a step like "{server}" でコマンド "…" の出力を "{name}" として記録する must come first'
            )
        )

    def file_end(self, path: str, server: str) -> FileEnd:
        if (path, server) not in self.file_ends:
            raise FeatureError(
                f"the end of {path} on {server} was not remembered: a step like "
                f'"{server}" のファイル "{path}" の末尾を記録する must come first'
            )
        return self.file_ends[(path, server)]

    def cursor(self, server: str) -> str:
        if server not in self.cursors:
            raise FeatureError(
                f"the journal's position on {server} was not remembered: a step like "
                f'"{server}" のジャーナルの位置を記録する must come first'
            )
        return self.cursors[server]


@pytest.fixture(scope="session")
def remembered_by_procedure() -> dict[Path, Remembered]:
    """Each feature folder's Remembered (one session may run several folders)."""
    return {}


@pytest.fixture
def remembered(request, remembered_by_procedure) -> Remembered:
    """What this scenario's procedure (its feature folder) remembered so far."""
    return remembered_by_procedure.setdefault(Path(request.node.path).parent, Remembered())
