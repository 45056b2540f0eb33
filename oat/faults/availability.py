"""A client that keeps calling an API while a procedure runs, and what it saw.

It runs in a thread, at a fixed pace, each call with a short timeout; it stops when told
or after its time limit (a probe never outlives its run). The samples give the count of
failed calls, the windows in which calls failed, and a timeline picture for the report.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from html import escape


@dataclass(frozen=True)
class Sample:
    at: float  # seconds since the probe started
    ok: bool
    detail: str  # version/node answered, or the error


class Probe:
    def __init__(self, call: Callable[[], str], interval: float = 0.2, limit: float = 900.0):
        self._call, self.interval, self.limit = call, interval, limit
        self.samples: list[Sample] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="oat-availability-probe", daemon=True)
        self.started = 0.0

    def start(self) -> Probe:
        self.started = time.monotonic()
        self._thread.start()
        return self

    def stop(self) -> list[Sample]:
        self._stop.set()
        self._thread.join(timeout=10)
        return self.samples

    def _run(self) -> None:
        while not self._stop.is_set() and time.monotonic() - self.started < self.limit:
            at = time.monotonic() - self.started
            try:
                self.samples.append(Sample(at, True, self._call()))
            except Exception as exc:  # every failure is data here, not an error of the probe
                self.samples.append(Sample(at, False, f"{type(exc).__name__}: {str(exc)[:120]}"))
            self._stop.wait(self.interval)


def failure_windows(samples: list[Sample]) -> list[tuple[float, float, int]]:
    """Consecutive failed calls as (first failure, first success after it, calls failed)."""
    windows, start, count = [], None, 0
    for s in samples:
        if not s.ok:
            start = s.at if start is None else start
            count += 1
        elif start is not None:
            windows.append((start, s.at, count))
            start, count = None, 0
    if start is not None:
        windows.append((start, samples[-1].at, count))
    return windows


def unavailable_seconds(samples: list[Sample]) -> float:
    """How long the service failed its clients: the failure windows, added up."""
    return sum(end - start for start, end, _ in failure_windows(samples))


def summary(samples: list[Sample]) -> str:
    failed = [s for s in samples if not s.ok]
    lines = [
        f"API 呼び出し {len(samples)} 回、失敗 {len(failed)} 回"
        f" (可用性 {100.0 * (len(samples) - len(failed)) / max(1, len(samples)):.2f} %)"
    ]
    for start, end, count in failure_windows(samples):
        lines.append(f"  失敗 {start:7.2f} 秒 〜 {end:7.2f} 秒 ({end - start:.2f} 秒間、{count} 回)")
    for s in failed[:3]:
        lines.append(f"  例: {s.at:.2f} 秒 {s.detail}")
    return "\n".join(lines)


def timeline_svg(samples: list[Sample], width: int = 900, height: int = 60) -> str:
    """One tick per call along the time axis: green answered, red failed."""
    if not samples:
        return "<svg xmlns='http://www.w3.org/2000/svg' width='10' height='10'/>"
    span = max(samples[-1].at, 1e-6)
    ticks = "".join(
        f"<line x1='{10 + s.at / span * (width - 20):.1f}' y1='8' x2='{10 + s.at / span * (width - 20):.1f}'"
        f" y2='{height - 22}' stroke='{'#1a7f37' if s.ok else '#cf222e'}' stroke-width='{1 if s.ok else 2}'/>"
        for s in samples
    )
    labels = []
    for i in range(6):
        t = span * i / 5
        anchor = " text-anchor='end'" if i == 5 else ""  # the last label must not run off the edge
        labels.append(
            f"<text x='{10 + t / span * (width - 20):.1f}' y='{height - 6}' font-size='10'{anchor}>{t:.1f}s</text>"
        )
    axis = "".join(labels)
    return (
        f"<svg xmlns='http://www.w3.org/2000/svg' width='{width}' height='{height}' role='img'"
        f" aria-label='{escape(summary(samples).splitlines()[0])}'>{ticks}{axis}</svg>"
    )
