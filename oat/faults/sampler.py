"""Never two actives: while a fault runs, sample every ~100 ms, from the hardware's side, what
each node holds: the floating IP, the shared disk's mount, the application's process. A
sample where any of them is on two nodes at once is a split brain; the seconds they add up
to must be 0.

The nodes cannot be read at one instant: one is read, then the other. A handover that lands
between the two reads (the first node lets go, then the second takes over) would look like
both holding. So each sample reads the nodes in turn and then the earlier ones again: an
earlier node counts as holding only when both of its reads say so (it held all along the
sample), and a sample is doubled only when that is proven. The order alternates, so either
node may be the one bracketed."""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field


@dataclass
class Sample:
    at: float
    active: dict[str, tuple[bool, bool, bool]]  # node -> (floating IP, mount, process)

    def doubled(self) -> list[str]:
        """What more than one node holds in this sample."""
        what = ("floating IP", "shared disk", "application")
        return [name for i, name in enumerate(what) if sum(held[i] for held in self.active.values()) > 1]

    def holder(self) -> str:
        """The node that holds everything, '' when none does, '+' when more than one."""
        whole = [n for n, held in self.active.items() if all(held)]
        return whole[0] if len(whole) == 1 else ("+" if whole else "")


@dataclass
class ActiveSampler:
    hardware: object
    nodes: list[str]
    fip: str
    mount: str
    process: str
    interval: float = 0.1
    samples: list[Sample] = field(default_factory=list)

    def __post_init__(self):
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> ActiveSampler:
        self._thread = threading.Thread(target=self._run, name="oat-sampler", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> list[Sample]:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=10)
            self._thread = None
        return self.samples

    def _run(self) -> None:
        order = list(self.nodes)
        while not self._stop.is_set():
            started = time.time()
            first = {node: self._held(node) for node in order}
            again = {node: self._held(node) for node in order[:-1]}  # bracketing the last read
            active = {
                node: tuple(a and b for a, b in zip(first[node], again[node], strict=True))
                if node in again
                else first[node]
                for node in self.nodes
            }
            self.samples.append(Sample(started, active))
            order.reverse()
            self._stop.wait(max(0.0, self.interval - (time.time() - started)))

    def _held(self, node: str) -> tuple[bool, bool, bool]:
        held = self.hardware.holdings(node)
        return (
            self.fip in held.addresses,
            self.mount in held.mounts,
            any(p.startswith(self.process) for p in held.processes),
        )

    # --- the verdict --------------------------------------------------------------------
    def seconds_with_two_actives(self) -> float:
        """Time covered by samples in which something was held twice (each sample counts
        until the next one)."""
        total = 0.0
        for this, following in zip(self.samples, self.samples[1:], strict=False):
            if this.doubled():
                total += following.at - this.at
        if self.samples and self.samples[-1].doubled():
            total += self.interval
        return total

    def violations(self) -> list[str]:
        return [
            f"{time.strftime('%H:%M:%S', time.localtime(s.at))}.{int(s.at * 10) % 10}: "
            f"{', '.join(s.doubled())} on {', '.join(n for n, h in s.active.items() if any(h))}"
            for s in self.samples
            if s.doubled()
        ]

    def mean_interval(self) -> float:
        if len(self.samples) < 2:
            return 0.0
        return (self.samples[-1].at - self.samples[0].at) / (len(self.samples) - 1)
