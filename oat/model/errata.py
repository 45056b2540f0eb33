"""正誤表: commands of a document that do not work as written, and what is run instead.

The list is data next to the features (features/NAME/errata.yaml). Running a documented
command goes through it: a listed command is first run as written and must fail (else the
erratum no longer stands and the step says so), then the correction runs. Every erratum
applied is kept for the report.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import yaml

from oat.errors import LabError


@dataclass(frozen=True)
class Erratum:
    documented: str
    corrected: str
    where: str
    why: str
    script_fix: dict = field(default_factory=dict)
    dry_run: str = ""  # a script erratum: how to run the script as written ({script}) to see it fail
    dry_run_says: str = ""  # ...and what its output then says (how it fails, not only that it does)


@dataclass
class Applied:
    erratum: Erratum
    server: str
    as_written: str  # what running it as written gave (exit code and first line)


class Errata:
    def __init__(self, path: Path):
        self.path = Path(path)
        # No file: the document has no errata (a runbook that works as written).
        items = (yaml.safe_load(self.path.read_text(encoding="utf-8")) or []) if self.path.exists() else []
        self.entries: list[Erratum] = []
        for i, item in enumerate(items):
            for key in ("documented", "corrected", "where", "why"):
                if not item.get(key):
                    raise LabError(f"{self.path}: [{i}].{key} is missing")
            if item.get("script_fix") and "{script}" not in str(item.get("dry_run", "")):
                raise LabError(
                    f"{self.path}: [{i}].dry_run (how to run the script as written, with {{script}}) is missing"
                )
            self.entries.append(
                Erratum(
                    item["documented"],
                    item["corrected"],
                    item["where"],
                    item["why"],
                    dict(item.get("script_fix") or {}),
                    str(item.get("dry_run", "")),
                    str(item.get("dry_run_says", "")),
                )
            )
        self.applied: list[Applied] = []

    def find(self, documented: str) -> Erratum | None:
        return next((e for e in self.entries if e.documented == documented.strip() and not e.script_fix), None)

    def run(self, server, command: str) -> str:
        """Run a documented command on a server, applying the errata; return the output."""
        erratum = self.find(command)
        if erratum is None:
            return server.check(command)
        as_written = server.run(command)
        if as_written.rc == 0:
            raise AssertionError(
                f"{self.path.name}: `{command}` worked as written on {server.name}: the erratum "
                f"({erratum.where}) no longer stands; remove it"
            )
        self._keep(erratum, server.name, as_written)
        return server.check(erratum.corrected)

    def script(self, server, path: str, text: str) -> str:
        """A documented script: run it as written with the cluster's variables set; if a
        listed script erratum makes it fail, apply the fix and return the corrected text."""
        fixes = [e for e in self.entries if e.script_fix and e.documented in text]
        if not fixes:
            return text
        probe = f"/tmp/as-written-{Path(path).name}"
        server.put_file(probe, text, mode=0o755)
        # Dry run as written, as the erratum says (e.g. with the cluster's variables set for
        # an event): a correct script would reach a branch; the documented one fails.
        as_written = server.run(fixes[0].dry_run.format(script=probe))
        server.run("rm -f %s" % probe)
        says = fixes[0].dry_run_says
        if as_written.rc == 0 or (says and says not in as_written.stdout + as_written.stderr):
            raise AssertionError(
                f"{path} worked as written on {server.name} (exit {as_written.rc}"
                f"{', without ' + repr(says) if says else ''}): the script erratum no longer stands"
            )
        for erratum in fixes:
            self._keep(erratum, server.name, as_written)
        return self.corrected(text)

    def corrected(self, text: str) -> str:
        """A documented script with every listed script erratum's fix applied (what a server
        must hold once the step is done)."""
        for erratum in (e for e in self.entries if e.script_fix and e.documented in text):
            for wrong, right in erratum.script_fix.items():
                text = text.replace(wrong, right)
        return text

    def _keep(self, erratum: Erratum, server: str, result) -> None:
        first = (result.stderr or result.stdout).strip().splitlines()
        self.applied.append(Applied(erratum, server, f"exit {result.rc}: {first[0] if first else ''}"))
