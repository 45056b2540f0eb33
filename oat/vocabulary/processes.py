"""Processes by name (the kernel's comm, as `ps -o comm` and `pgrep -x` see it; at most 15
characters), read with testinfra's host.process; and by a text of their command line (`ps -eo
pid,args`: the program and its arguments, or what the process wrote there, as a PostgreSQL
backend's "postgres: walreceiver streaming 0/3000148")."""

from __future__ import annotations

from oat.vocabulary.checks import check, each, excerpt

# `exec`: the shell becomes ps, so the first line (its PID) is the reading command itself,
# left out of what it lists. The text is matched here, never put into the command.
COMMAND_LINES = "echo $$; exec ps -ww -eo pid=,args="  # -ww: whole command lines, whatever COLUMNS says


def _named(server, name: str) -> list:
    return server.host.process.filter(comm=name)


def _pids(processes) -> str:
    """For a failure's message: each process's PID and its parent's."""
    return ", ".join(f"{p.pid} (parent {_parent(p)})" for p in processes) or "none"


def _parent(process) -> str:
    try:
        return str(process.ppid)  # one more `ps` for each process: only in failure messages
    except AssertionError:  # it ended meanwhile
        return "?"


@check('"{server:q}" でプロセス "{name:q}" が動いている')
def process_runs(lab, server, name):
    """At least one process of this name runs on the server."""

    def runs(s):
        assert _named(s, name), f"{s.name}: no process named '{name}' runs"

    each(lab, server, runs)


@check('"{server:q}" でプロセス "{name:q}" が動いていない')
def process_absent(lab, server, name):
    """No process of this name runs on the server."""

    def absent(s):
        found = _named(s, name)
        assert not found, f"{s.name}: {len(found)} process(es) named '{name}' run, expected none: pid {_pids(found)}"

    each(lab, server, absent)


@check('"{server:q}" でプロセス "{name:q}" が {count:d} 個動いている')
def process_count(lab, server, name, count):
    """Exactly this many processes of this name run on the server."""

    def counted(s):
        found = _named(s, name)
        assert len(found) == count, (
            f"{s.name}: {len(found)} process(es) named '{name}' run, expected {count}: pid {_pids(found)}"
        )

    each(lab, server, counted)


@check('"{server:q}" で親プロセスの ID が {ppid:d} のプロセス "{name:q}" が動いている')
def process_with_parent(lab, server, ppid, name):
    """A process of this name whose parent has this PID runs on the server (1: started by init)."""

    def child(s):
        if not s.host.process.filter(comm=name, ppid=ppid):
            raise AssertionError(
                f"{s.name}: no process named '{name}' has parent PID {ppid}; "
                f"those that run: pid {_pids(_named(s, name))}"
            )

    each(lab, server, child)


def _command_lines(server, text: str) -> list[tuple[int, str]]:
    """(PID, command line) of each process whose command line contains `text`, but the reading one."""
    own, *lines = server.check(COMMAND_LINES).splitlines()
    found = []
    for line in lines:
        pid, _, args = line.strip().partition(" ")
        if pid.isdigit() and pid != own.strip() and text in args:
            found.append((int(pid), args.strip()))
    return found


def _listed(found: list[tuple[int, str]]) -> str:
    return excerpt(" ⏎ ".join(f"{pid} {args}" for pid, args in found), 240)


@check('"{server:q}" でコマンドラインに "{text}" を含むプロセスが動いている')
def command_line_runs(lab, server, text):
    """A process whose command line (ps -eo args) contains this text runs on the server."""

    def runs(s):
        assert _command_lines(s, text), f"{s.name}: no process runs with '{text}' in its command line"

    each(lab, server, runs)


@check('"{server:q}" でコマンドラインに "{text}" を含むプロセスが動いていない')
def command_line_absent(lab, server, text):
    """No process whose command line (ps -eo args) contains this text runs on the server."""

    def absent(s):
        found = _command_lines(s, text)
        assert not found, (
            f"{s.name}: {len(found)} process(es) run with '{text}' in their command line, "
            f"expected none: {_listed(found)}"
        )

    each(lab, server, absent)
