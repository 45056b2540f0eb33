"""Evidence: every command a step runs on a server, with its outcome, secrets masked.

The Recorder follows the Gherkin steps of the running scenario (fed by pytest-bdd's hooks)
so each command lands under the step that ran it. Masking happens when a command is
recorded: an unmasked secret is never stored, so no report or log can leak it.
"""

from __future__ import annotations

import time
from contextlib import contextmanager
from dataclasses import dataclass, field

from oat.errors import OatError, one_line  # noqa: F401 - one_line: where its callers found it
from oat.record.masking import MASK, Masker  # noqa: F401 - the recorder's masker, and its mask
from oat.record.outcome import Outcome, of_exception


@dataclass
class Command:
    """One command run on one server."""

    server: str
    command: str
    exit_code: int | None
    stdout: str
    stderr: str
    duration: float
    started: float = field(default_factory=time.time)
    via: str = ""  # how the server was reached (docker://…, ssh://…)

    @property
    def ok(self) -> bool:
        return self.exit_code == 0


@dataclass
class Attachment:
    """A picture or text attached to a step (screenshots, measurements)."""

    kind: str  # "png" or "text"
    name: str
    content: bytes | str


# A step's status: 合格, 不合格 (an AssertionError), エラー (anything else raised), 未実施. Kept as
# the outcome's id, a plain str: step data crosses from xdist workers.
PASSED, FAILED, ERROR, NOT_RUN = Outcome.PASSED, Outcome.FAILED, Outcome.ERROR, Outcome.NOT_RUN


@dataclass
class Step:
    keyword: str
    text: str
    status: str = NOT_RUN.value
    duration: float = 0.0
    error: str = ""
    commands: list[Command] = field(default_factory=list)
    attachments: list[Attachment] = field(default_factory=list)
    _started: float = 0.0

    @property
    def title(self) -> str:
        return f"{self.keyword} {self.text}".strip()


class Recorder:
    """Collects the steps of the scenario that runs now and the commands of each step.

    Commands run outside any step (lab setup) go to `setup_commands`.
    """

    def __init__(self, masker: Masker):
        self.mask = masker
        self.key = ""
        self.steps: list[Step] = []
        self.current: Step | None = None
        self.setup_commands: list[Command] = []
        # The run's measurements for the report's 測定結果 (plain data: it crosses processes).
        self.measurements: list[dict] = []

    def start_scenario(self, steps: list[tuple[str, str]], key: str = "") -> None:
        """Begin a scenario; `key` names it (the test's node id) so its report finds it."""
        self.key = key
        # A step's own text may hold a secret (a password written into a command): masked too.
        self.steps = [Step(keyword, self.mask(text)) for keyword, text in steps]
        self.current = None

    def start_step(self, index: int) -> None:
        self.current = self.steps[index]
        self.current._started = time.monotonic()

    def end_step(self, error: BaseException | None = None) -> None:
        step = self.current
        if step is None:
            return
        step.duration = time.monotonic() - step._started
        step.status = of_exception(error).value
        if error is not None:
            step.error = self.mask(one_line(error))
        self.current = None

    @contextmanager
    def outside_steps(self):
        """Record what runs inside as lab setup, not under the step that happens to run."""
        current, self.current = self.current, None
        try:
            yield
        finally:
            self.current = current

    def record(
        self, server: str, command: str, exit_code, stdout: str, stderr: str, duration: float, via: str = ""
    ) -> Command:
        entry = Command(
            server=server,
            command=self.mask(command),
            exit_code=exit_code,
            stdout=self.mask(stdout or ""),
            stderr=self.mask(stderr or ""),
            duration=duration,
            via=via,
        )
        (self.current.commands if self.current else self.setup_commands).append(entry)
        return entry

    def secret(self, value: str) -> None:
        """A secret learnt during the run (an API key a command printed): masked from now on,
        and in what this scenario and the lab's setup already recorded."""
        self.mask.add(value)
        for cmd in self.setup_commands + [c for step in self.steps for c in step.commands]:
            cmd.command, cmd.stdout, cmd.stderr = (self.mask(t) for t in (cmd.command, cmd.stdout, cmd.stderr))
        for step in self.steps:
            step.text, step.error = self.mask(step.text), self.mask(step.error)
            for attachment in step.attachments:
                if isinstance(attachment.content, str):
                    attachment.content = self.mask(attachment.content)

    def attach(self, kind: str, name: str, content: bytes | str, step: Step | None = None) -> None:
        """Attach to `step`, else the running step, else the scenario's last one."""
        if isinstance(content, str):
            content = self.mask(content)
        target = step or self.current or (self.steps[-1] if self.steps else None)
        if target is not None:
            target.attachments.append(Attachment(kind, name, content))

    def measure(self, kind: str, label: str, value: float, **detail) -> None:
        """One number of the run (an RTO, a failure count), shown charted in the report."""
        self.measurements.append({"kind": kind, "label": label, "value": value, **detail})

    @property
    def failed_step(self) -> Step | None:
        """The step that failed (不合格 or エラー), if one did."""
        return next((s for s in self.steps if Outcome.of(s.status).failing), None)
