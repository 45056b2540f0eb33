"""pid_dir: one `tengined.<pid>.pid` file per running core, as the original kept them.

A pid counts only while its process is alive and named tengined: a file left by a core that
was killed must not make `stop` send SIGHUP to whatever process got its pid later."""
from __future__ import annotations

import os
import re
import signal
import time
from pathlib import Path

from tengine_core.errors import TengineError

PROCESS_NAME = "tengined"
FILE = re.compile(r"^tengined\.(\d+)\.pid$")
STOP_TIMEOUT = 10.0  # s


def write(pid_dir: Path, pid: int) -> Path:
    path = pid_dir / f"tengined.{pid}.pid"
    try:
        pid_dir.mkdir(parents=True, exist_ok=True)  # systemd makes it; a manual start may not
        path.write_text(f"{pid}\n")
    except OSError as error:
        raise TengineError(f"cannot write pid file {path}: {error.strerror or error}") from None
    return path


def alive(pid: int) -> bool:
    """pid is a tengined that has not exited (a zombie has)."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    name = stat[stat.index("(") + 1:stat.rindex(")")]
    state = stat[stat.rindex(")") + 2:].split()[0]
    return name == PROCESS_NAME and state not in ("Z", "X")


def running(pid_dir: Path) -> list[int]:
    """The pids of the live cores that have a pid file in pid_dir."""
    try:
        names = os.listdir(pid_dir)
    except FileNotFoundError:
        return []
    except OSError as error:
        raise TengineError(f"cannot read {pid_dir}: {error.strerror or error}") from None
    pids = (int(match[1]) for match in map(FILE.match, names) if match)
    return sorted(pid for pid in pids if alive(pid))


def stop(pid_dir: Path, timeout: float = STOP_TIMEOUT) -> tuple[list[int], list[int]]:
    """SIGHUP to every live core, then wait up to timeout for them to exit:
    (the pids that stopped, the pids still running)."""
    pids = running(pid_dir)
    for pid in pids:
        try:
            os.kill(pid, signal.SIGHUP)
        except ProcessLookupError:
            pass  # exited meanwhile
        except PermissionError:
            raise TengineError(f"cannot send SIGHUP to tengined {pid}: permission denied"
                               f" (run as root or as {PROCESS_NAME}'s user)") from None
    deadline = time.monotonic() + timeout
    left = [pid for pid in pids if alive(pid)]
    while left and time.monotonic() < deadline:
        time.sleep(0.05)
        left = [pid for pid in left if alive(pid)]
    return [pid for pid in pids if pid not in left], left
