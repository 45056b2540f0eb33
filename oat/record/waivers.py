"""Waivers: failures a team has accepted, each with its reason, its approver and its expiry.

The waiver file (`waivers.yaml` beside pytest.ini, or `--waivers FILE`) is a YAML list. Each
entry names one item, a scenario or a documented step, as InSpec's waivers name a control:

    - scenario: clweb/フェイルオーバー中のマイページ   # FOLDER/the scenario as written (or as run)
      reason: 製品の既知の不具合 (JCCL-1234)。次版で修正
      approver: 山田 (運用課長)
      expires: 2025-12-31                            # the last day it holds
    - step: clweb/インストール手順 (4)                # FOLDER/the traceability's ref,
      reason: …                                      # or the 試験項目番号 (clweb-004)
      approver: …
      expires: 2025-12-31

- A waived item that fails (不合格 or エラー) is 免除: it does not fail the run, and every
  output shows it with its reason and approver. A scenario's failure is waived when the
  scenario is, or when every documented step it fails is.
- A waived item that passes is 合格, with a note that its waiver is no longer needed.
- A waiver past its expiry fails the run before anything is made (WaiverError, one line).
- A waiver that names nothing of the project is reported (a warning line, and the report).
- A malformed file (not YAML, not a list, a missing field, a bad date, an unknown key) is a
  WaiverError naming the file, the entry and the field.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable
from dataclasses import asdict, dataclass, replace
from pathlib import Path

import yaml

from oat.errors import FeatureError
from oat.model import traceability, yamlfile
from oat.record import trace
from oat.record.outcome import Outcome

FILE = "waivers.yaml"
KINDS = ("scenario", "step")
FIELDS = ("reason", "approver", "expires")
_NUMBER = re.compile(r"^(?P<folder>[^/\s]+)-(?P<n>\d{3,})$")  # a 試験項目番号: clweb-004


class WaiverError(FeatureError):
    """A waiver file that cannot be read as waivers, or a waiver past its expiry."""


@dataclass(frozen=True)
class Waiver:
    number: int  # the entry's place in the file, from 1
    kind: str  # "scenario" or "step"
    folder: str
    name: str  # the scenario (as written or as run), or the step's ref or 試験項目番号
    reason: str
    approver: str
    expires: str  # YYYY-MM-DD, the last day the waiver holds
    numbered: bool = False  # a step named by its 試験項目番号 (name: the number)

    @property
    def item(self) -> str:
        """The item as the file names it: `scenario clweb/…`, `step clweb-004`."""
        if self.numbered:
            return f"{self.kind} {self.folder}-{int(self.name):03d}"
        return f"{self.kind} {self.folder}/{self.name}"

    @property
    def text(self) -> str:
        """What every output says of it: the reason, who approved it, until when."""
        return f"{self.reason} (承認: {self.approver}、期限 {self.expires})"

    def expired(self, today: dt.date) -> bool:
        return dt.date.fromisoformat(self.expires) < today

    def covers_scenario(self, result: dict) -> bool:
        return (
            self.kind == "scenario"
            and self.folder == result["folder"]
            and self.name in (result["scenario"], result.get("name", result["label"]), result["label"])
        )

    def covers_item(self, mapping: traceability.Mapping, index: int) -> bool:
        if self.kind != "step" or self.folder != mapping.folder:
            return False
        if self.numbered:
            return int(self.name) == index + 1
        return mapping.items[index].ref == self.name

    def data(self) -> dict:
        return {**asdict(self), "item": self.item, "text": self.text}


def from_data(data: dict) -> Waiver:
    """Waiver.data() read back (it crosses from xdist workers and is kept in oat-run.json)."""
    return Waiver(
        **{key: data[key] for key in ("number", "kind", "folder", "name", "reason", "approver", "expires", "numbered")}
    )


@dataclass(frozen=True)
class Waivers:
    path: Path | None = None
    entries: tuple[Waiver, ...] = ()

    @classmethod
    def load(cls, path: Path | None, *, required: bool = False) -> Waivers:
        """The waivers of `path` (none when it is not there and not `required`)."""
        if path is None or (not required and not Path(path).exists()):
            return cls(None, ())
        return cls(Path(path), tuple(_read(Path(path))))

    def expired(self, today: dt.date) -> list[Waiver]:
        return [w for w in self.entries if w.expired(today)]

    def expiry_error(self, today: dt.date) -> WaiverError | None:
        """The one line that stops a run with a waiver past its expiry (None: all in force)."""
        late = self.expired(today)
        if not late:
            return None
        first = late[0]
        more = f" (and {len(late) - 1} more: {', '.join(f'entry {w.number}' for w in late[1:])})" if late[1:] else ""
        return WaiverError(
            f"{self.path}: entry {first.number} ({first.item}): expired on {first.expires} "
            f"(approved by {first.approver}): renew or remove it{more}"
        )

    def unknown(self, scenarios: dict[str, Iterable[str]], mappings: dict[str, traceability.Mapping]) -> list[Waiver]:
        """The waivers that name nothing of the project: `scenarios` folder -> the scenario names
        as written, `mappings` folder -> its traceability."""
        found = []
        for waiver in self.entries:
            if waiver.kind == "scenario":
                names = set(scenarios.get(waiver.folder, ()))
                known = waiver.name in names or re.sub(r" \[[^\]]*\]$", "", waiver.name) in names
            else:
                mapping = mappings.get(waiver.folder)
                known = mapping is not None and any(waiver.covers_item(mapping, i) for i in range(len(mapping.items)))
            if not known:
                found.append(waiver)
        return found

    def for_result(self, result: dict, mapping: traceability.Mapping | None) -> list[Waiver]:
        """The waivers that accept a failed scenario's failure: the scenario's own, else those of
        every documented step it fails (all of them waived, at least one). [] when none do."""
        own = [w for w in self.entries if w.covers_scenario(result)]
        if own or mapping is None:
            return own
        rows = trace.trace(mapping, [result])
        failing = [i for i, row in enumerate(rows) if row.status.failing]
        covering = [[w for w in self.entries if w.covers_item(mapping, i)] for i in failing]
        if not failing or not all(covering):
            return []
        return list(dict.fromkeys(w for found in covering for w in found))

    def apply(self, mapping: traceability.Mapping, rows: list[trace.Row]) -> list[trace.Row]:
        """The rows with their waivers: a failed one 免除 (its reason says who accepted it and
        why), a passed one 合格 with the note that its waiver is no longer needed."""
        done = []
        for index, row in enumerate(rows):
            found = [w for w in self.entries if w.covers_item(mapping, index)]
            if found and row.status.failing:
                row = replace(row, status=Outcome.WAIVED, reason=" / ".join(w.text for w in found))
            elif found and row.status == Outcome.PASSED:
                row = replace(row, reason=unneeded(found))
            done.append(row)
        return done


def unneeded(waivers: list[Waiver]) -> str:
    """The note on a waived item that passed."""
    return "合格したため免除は不要です: " + "、".join(f"{w.item} (エントリ {w.number})" for w in waivers)


def status(
    waiver: Waiver, results: list[dict], rows: list[tuple[traceability.Mapping, list[trace.Row]]], unknown: list[Waiver]
) -> str:
    """What a waiver did in a run, in one Japanese phrase (the report's table of waivers)."""
    if waiver in unknown:
        return "対象なし (プロジェクトにない項目)"
    used = [
        r
        for r in results
        if Outcome.of(r["outcome"]) == Outcome.WAIVED
        and any(from_data(d) == waiver for d in r.get("waiver", {}).get("entries", []))
    ]
    used_rows = [
        row
        for mapping, found in rows
        for i, row in enumerate(found)
        if waiver.covers_item(mapping, i) and row.status == Outcome.WAIVED
    ]
    if used or used_rows:
        return f"適用 ({len(used) or len(used_rows)} 件)"
    passed = [r for r in results if waiver.covers_scenario(r) and Outcome.of(r["outcome"]) == Outcome.PASSED]
    passed_rows = [
        row
        for mapping, found in rows
        for i, row in enumerate(found)
        if waiver.covers_item(mapping, i) and row.status == Outcome.PASSED
    ]
    if passed or passed_rows:
        return "不要 (合格)"
    return "このランでは対象外"


def table(
    waivers: Waivers,
    results: list[dict],
    rows: list[tuple[traceability.Mapping, list[trace.Row]]],
    unknown: list[Waiver],
) -> list[dict]:
    """Every waiver of the file as the report's cover lists it: what it names, why, who
    approved it, until when, what it did in this run, and the failures it waived."""
    found = []
    for waiver in waivers.entries:
        waived = [
            f"{r['label']}: {r.get('failure', {}).get('headline', '')}".rstrip(": ")
            for r in results
            if Outcome.of(r["outcome"]) == Outcome.WAIVED
            and any(from_data(d) == waiver for d in r.get("waiver", {}).get("entries", []))
        ]
        found.append(
            {
                **waiver.data(),
                "file": str(waivers.path or ""),
                "status": status(waiver, results, rows, unknown),
                "waived": waived,
            }
        )
    return found


# --- reading the file ------------------------------------------------------------------------


class _Loader(yaml.SafeLoader):
    """YAML with dates kept as text: an expiry is read here, so a bad one names its entry."""


_Loader.add_constructor("tag:yaml.org,2002:timestamp", lambda loader, node: loader.construct_scalar(node))
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


def _read(path: Path) -> list[Waiver]:
    data = yamlfile.read(path, "waiver file", WaiverError, loader=_Loader)
    if data is None:
        return []
    if not isinstance(data, list):
        raise WaiverError(
            f"{path}: expected a list of waivers (- scenario: FOLDER/NAME or - step: FOLDER/REF, "
            "with reason, approver and expires)"
        )
    return [_entry(path, number, entry) for number, entry in enumerate(data, 1)]


def _entry(path: Path, number: int, entry) -> Waiver:
    where = f"{path}: entry {number}"
    if not isinstance(entry, dict):
        raise WaiverError(f"{where}: expected a mapping with scenario or step, reason, approver and expires")
    kinds = [k for k in KINDS if k in entry]
    named = f" ({kinds[0]} {entry[kinds[0]]})" if len(kinds) == 1 and isinstance(entry[kinds[0]], str) else ""
    unknown = [str(k) for k in entry if k not in (*KINDS, *FIELDS)]
    if unknown:
        raise WaiverError(
            f"{where}{named}: unknown key '{unknown[0]}' (a waiver has scenario or step, {', '.join(FIELDS)})"
        )
    if len(kinds) != 1:
        raise WaiverError(
            f"{where}: needs exactly one of scenario (FOLDER/SCENARIO) or step (FOLDER/REF or "
            "FOLDER-NNN)" + (", not both" if len(kinds) > 1 else "")
        )
    kind = kinds[0]
    target = entry[kind]
    if not isinstance(target, str) or not target.strip():
        raise WaiverError(f"{where}: {kind}: expected text (FOLDER/{'SCENARIO' if kind == 'scenario' else 'REF'})")
    folder, name = _target(kind, target.strip())
    if not folder:
        raise WaiverError(
            f"{where}{named}: {kind}: '{target}' names no feature folder (expected "
            + ("FOLDER/SCENARIO)" if kind == "scenario" else "FOLDER/REF or the 試験項目番号 FOLDER-NNN)")
        )
    values = {}
    for key in ("reason", "approver"):
        value = entry.get(key)
        if value is None:
            raise WaiverError(f"{where}{named}: {key} is missing")
        if not isinstance(value, str) or not value.strip():
            raise WaiverError(f"{where}{named}: {key}: expected text")
        values[key] = value.strip()
    if "expires" not in entry or entry["expires"] is None:
        raise WaiverError(f"{where}{named}: expires is missing (the last day the waiver holds, YYYY-MM-DD)")
    expires = str(entry["expires"]).strip()
    try:
        if not _DATE.match(expires):
            raise ValueError(expires)
        expires = dt.date.fromisoformat(expires).isoformat()
    except ValueError:
        raise WaiverError(f"{where}{named}: expires: '{entry['expires']}' is not a date (YYYY-MM-DD)") from None
    numbered = kind == "step" and "/" not in target and bool(_NUMBER.match(target.strip()))
    return Waiver(number, kind, folder, name, values["reason"], values["approver"], expires, numbered)


def _target(kind: str, target: str) -> tuple[str, str]:
    """(folder, name) of `FOLDER/NAME`; a step also as its 試験項目番号 `FOLDER-NNN` (name: the number)."""
    if kind == "step" and "/" not in target and (m := _NUMBER.match(target)):
        return m.group("folder"), str(int(m.group("n")))
    folder, _, name = target.partition("/")
    if not name.strip():
        return "", ""
    return folder.strip(), name.strip()
