"""Several shards' results, one operator report: `python -m oat.cli merge DIR… [--out DIR]`.

A shard is one pytest run of the suite (features/clweb on one machine, features/tengine on
another, or one controller with its xdist workers). Every run leaves, beside its report.html,
`oat-run.json` (write_run): the plain data its report's cover and traceability and its
試験成績書 are made from, and every scenario's steps and evidence, secrets masked as they were
recorded. The shard's directory also holds junit.xml and cucumber.json.

read() and combine() make one run of them, with one verdict; oat.render.merged writes its
report.html, 試験成績書.xlsx, junit.xml and cucumber.json (`oat merge`, in oat/cli.py, does both):

- The verdict is oat.record.outcome.judge's, over every shard's scenarios, with more reasons:
  a shard interrupted makes it 中断; a shard whose own verdict is not 合格, or whose pytest did
  not end normally, counts against it; and a documented step left 未実施 in a feature folder
  that some shard set out to run makes it エラー. 合格 only when none of that holds.
- A documented step counts as carried out when any shard carried it out and passed; one
  shard's failure of it wins over another's pass. Every shard's waivers apply to the merge.
- A scenario is listed under each shard that ran it (label 〔shard〕); two shards that
  claim the same scenario with different results are both shown, and named on the cover.

Bad input (a directory without oat-run.json, JSON or XML that cannot be read, a file that is
not what it should be, the same run given twice) is a MergeError: one line naming the file.
"""

from __future__ import annotations

import copy
import json
import os
import xml.etree.ElementTree as ET
from dataclasses import asdict, dataclass, fields, is_dataclass, replace
from pathlib import Path

from oat.model import traceability
from oat.record import trace
from oat.record import waivers as waiving
from oat.record.outcome import Outcome, Verdict, counts_line, judge, verdict_of
from oat.record.timewords import clock

RUN_FILE = "oat-run.json"
FORMAT = 2  # oat-run.json's layout; a reader refuses another one (2: oat.record.outcome's ids and verdicts)
EXIT_WORDS = {
    1: "不合格またはエラー",
    2: "中断",
    3: "内部エラーまたはラボの準備失敗",
    4: "使い方の誤り",
    5: "テストなし",
}


class MergeError(Exception):
    """Bad input for the merge: the message is one line naming the directory or file."""


# --- what every run writes ------------------------------------------------------------------


def write_run(
    path: Path,
    *,
    summary: dict,
    results: list[dict],
    run_id: str,
    exitstatus: int,
    folders: list[str],
    waivers: list[dict] = (),
) -> Path:
    """oat-run.json: the run's summary (cover, traceability, labs, errata, measurements) and
    every scenario's data, as the report and the 試験成績書 were made from them.

    folders: the feature folders the run set out to carry out (a merge counts their 未実施
    documented steps against the verdict); waivers: the run's waivers (Waiver.data())."""
    data = {
        "format": FORMAT,
        "run_id": run_id,
        "exitstatus": int(exitstatus),
        "folders": sorted(set(folders)),
        "waivers": list(waivers),
        "cover": summary["cover"],
        "traceability": [mapping_data(mapping, rows) for mapping, rows in summary["traced"]],
        "labs": summary["labs"],
        "errata": summary["errata"],
        "measurements": summary["measurements"],
        "results": results,
    }
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(path.name + ".part")
    partial.write_text(json.dumps(data, ensure_ascii=False, default=_plain), encoding="utf-8")
    os.replace(partial, path)  # a reader never sees half a file
    return path


def _plain(value):
    """JSON for the recorded commands kept as objects (the labs' setup commands)."""
    return asdict(value) if is_dataclass(value) else vars(value)


def mapping_data(mapping: traceability.Mapping, rows: list[trace.Row]) -> dict:
    """A document's traceability as plain data: its items, each with this run's result."""
    return {
        "folder": mapping.folder,
        "document": mapping.document,
        "title": mapping.title,
        "source": mapping.source,
        "items": [
            {
                **asdict(row.item),
                "status": row.status,
                "reason": row.reason,
                "evidence": [
                    [label, outcome, [list(step) for step in steps]] for label, outcome, steps in row.evidence
                ],
            }
            for row in rows
        ],
    }


_ITEM_FIELDS = {f.name for f in fields(traceability.Item)}


def mapping_from(data: dict) -> traceability.Mapping:
    """mapping_data() read back (an item's keys that this oat's Item does not have are left out)."""
    items = tuple(
        traceability.Item(
            **{
                key: tuple(value) if isinstance(value, list) else value
                for key, value in item.items()
                if key in _ITEM_FIELDS
            }
        )
        for item in data["items"]
    )
    return traceability.Mapping(
        data["folder"], data.get("document", ""), data.get("title", ""), items, data.get("source", "")
    )


def rows_from(data: dict) -> list[trace.Row]:
    """mapping_data()'s items read back with their result in the run."""
    items = mapping_from(data).items
    return [
        trace.Row(
            item,
            found.get("status", trace.NOT_DONE.value),
            found.get("reason", ""),
            [(label, outcome, [tuple(step) for step in steps]) for label, outcome, steps in found.get("evidence", [])],
        )
        for item, found in zip(items, data["items"], strict=True)
    ]


# --- reading the shards ---------------------------------------------------------------------


@dataclass
class Shard:
    name: str
    path: Path
    run: dict
    junit: ET.Element
    cucumber: list

    @property
    def verdict(self) -> Verdict:
        return verdict_of(self.run["cover"])

    @property
    def passed(self) -> bool:
        return self.verdict is Verdict.PASSED and self.run.get("exitstatus", 0) == 0


def read(paths: list[Path]) -> list[Shard]:
    """Each directory's oat-run.json, junit.xml and cucumber.json, or a MergeError."""
    if not paths:
        raise MergeError("merge needs at least one shard's reports directory")
    shards, runs = [], {}
    for path, name in zip(paths, _names(paths), strict=True):
        shard = _read_one(Path(path), name)
        run_id = shard.run["run_id"]
        if run_id and run_id in runs:
            raise MergeError(f"{path}: the same run (id {run_id}) as {runs[run_id]}: give each shard once")
        runs[run_id] = path
        shards.append(shard)
    return shards


def _names(paths: list[Path]) -> list[str]:
    """Each shard's name: its directory's name, or the path as given when two share a name."""
    names = [Path(p).resolve().name or str(p) for p in paths]
    return [n if names.count(n) == 1 else str(p) for n, p in zip(names, paths, strict=True)]


def _read_one(path: Path, name: str) -> Shard:
    if not path.is_dir():
        raise MergeError(f"{path}: not a directory (give each shard's reports directory)")
    run_file = path / RUN_FILE
    if not run_file.is_file():
        raise MergeError(f"{path}: no {RUN_FILE} in it (every oat run writes one beside its report.html)")
    run = read_run(run_file)
    junit_file = path / "junit.xml"
    if not junit_file.is_file():
        raise MergeError(
            f"{path}: no junit.xml in it (the shard's reports directory holds junit.xml and cucumber.json)"
        )
    try:
        junit = ET.parse(junit_file).getroot()
    except (ET.ParseError, OSError) as exc:
        raise MergeError(f"{junit_file}: unreadable XML ({_line(exc)})") from None
    if junit.tag not in ("testsuites", "testsuite"):
        raise MergeError(f"{junit_file}: not a JUnit report (its root is <{junit.tag}>)")
    cucumber_file = path / "cucumber.json"
    if not cucumber_file.is_file():
        raise MergeError(
            f"{path}: no cucumber.json in it (the shard's reports directory holds junit.xml and cucumber.json)"
        )
    cucumber = _json(cucumber_file)
    if not isinstance(cucumber, list) or not all(isinstance(f, dict) for f in cucumber):
        raise MergeError(f"{cucumber_file}: not a Cucumber report (expected a list of features)")
    return Shard(name, path, run, junit, cucumber)


def read_run(path: Path) -> dict:
    """One oat-run.json, checked, or a MergeError."""
    run = _json(path)
    _check_run(run, path)
    return run


def single(run: dict) -> dict:
    """One run's record (read_run) as combine() gives a merged one, without shards: what
    oat.render.page renders. Its traceability is read back as the run judged it."""
    return {
        "cover": run["cover"],
        "run_id": run["run_id"],
        "results": run["results"],
        "traced": [(mapping_from(doc), rows_from(doc)) for doc in run["traceability"]],
        "labs": run["labs"],
        "errata": run["errata"],
        "measurements": run["measurements"],
    }


def _json(path: Path):
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, ValueError) as exc:
        raise MergeError(f"{path}: unreadable JSON ({_line(exc)})") from None


def _line(exc: BaseException) -> str:
    return next((line.strip() for line in str(exc).splitlines() if line.strip()), type(exc).__name__)


_RESULT_KEYS = ("folder", "scenario", "label", "outcome")


def _check_run(run, where: Path) -> None:
    if not isinstance(run, dict):
        raise MergeError(f"{where}: not an oat run (expected an object)")
    if run.get("format") != FORMAT:
        raise MergeError(f"{where}: format {run.get('format')!r}, this oat reads format {FORMAT}")
    for key, kind in (
        ("run_id", str),
        ("folders", list),
        ("cover", dict),
        ("traceability", list),
        ("labs", list),
        ("errata", list),
        ("measurements", list),
        ("results", list),
    ):
        if not isinstance(run.get(key), kind):
            raise MergeError(f"{where}: {key}: expected {'an object' if kind is dict else 'a ' + kind.__name__}")
    for key in ("verdict", "passed", "counts", "started", "ended", "version"):
        if key not in run["cover"]:
            raise MergeError(f"{where}: cover.{key} is missing")
    if not isinstance(run["cover"]["counts"], dict) or not all(
        isinstance(run["cover"][k], (int, float)) for k in ("started", "ended")
    ):
        raise MergeError(f"{where}: cover: counts must be an object, started and ended times")
    for i, result in enumerate(run["results"]):
        if not isinstance(result, dict) or any(not isinstance(result.get(k), str) for k in _RESULT_KEYS):
            raise MergeError(f"{where}: results[{i}]: needs the strings {', '.join(_RESULT_KEYS)}")
        if not isinstance(result.get("steps", []), list) or not isinstance(result.get("failure", {}), dict):
            raise MergeError(f"{where}: results[{i}]: steps must be a list and failure an object")
    for i, doc in enumerate(run["traceability"]):
        if (
            not isinstance(doc, dict)
            or not isinstance(doc.get("folder"), str)
            or not isinstance(doc.get("items"), list)
        ):
            raise MergeError(f"{where}: traceability[{i}]: needs folder and items")
        for j, item in enumerate(doc["items"]):
            if not isinstance(item, dict) or not all(isinstance(item.get(k), str) for k in ("ref", "text")):
                raise MergeError(f"{where}: traceability[{i}].items[{j}]: needs the strings ref and text")


# --- one run from several --------------------------------------------------------------------

RANK_CLAIMS = {trace.FAILED: 0, trace.ERROR: 1, trace.WAIVED: 2, trace.DONE: 3, trace.NOT_DONE: 4, trace.CANNOT: 5}
RANK_PARTS = {trace.FAILED: 0, trace.ERROR: 1, trace.NOT_DONE: 2, trace.WAIVED: 3, trace.CANNOT: 4, trace.DONE: 5}


def trace_union(mapping: traceability.Mapping, results: list[dict]) -> list[trace.Row]:
    """Each documented step with its result over every shard.

    One scenario (an outline's example) claimed by several shards: failure wins (不合格, エラー,
    then a waived one), then a step carried out, then not carried out, then 実施不可 (it ran and
    passed somewhere). The
    scenarios a step needs combine as within one run: any failure, then any not carried
    out, then 実施不可. Each claim is judged by trace.trace, so one shard's result
    means what it meant in that shard's own report."""
    rows = []
    for item in mapping.items:
        if item.not_applicable or not item.scenarios:
            rows.extend(trace.trace(replace(mapping, items=(item,)), []))
            continue
        evidence, parts, missing = [], [], []
        for name in item.scenarios:
            claims: dict[str, list[tuple[str, str]]] = {}
            for result in results:
                if result["folder"] != mapping.folder or result["scenario"] != name:
                    continue
                row = trace.trace(replace(mapping, items=(replace(item, scenarios=(name,)),)), [result])[0]
                evidence.extend(row.evidence)
                claims.setdefault(result.get("scenario_label", result["label"]), []).append((row.status, row.reason))
            if not claims:
                missing.append(name)
            parts.extend(min(found, key=lambda c: RANK_CLAIMS[c[0]]) for found in claims.values())
        if missing:
            parts.append((trace.NOT_DONE, "どのシャードも実行していないシナリオ: " + "、".join(missing)))
        status, reason = min(parts, key=lambda c: RANK_PARTS[c[0]])
        rows.append(trace.Row(item, status, "" if status == trace.DONE else reason, evidence))
    return rows


def _from_shard(result: dict, shard: str) -> dict:
    """A scenario's data in the merged run: labelled with its shard (so two shards' runs of
    one scenario stay two entries), its label in the shard kept."""
    merged = dict(result, shard=shard, scenario_label=result["label"], label=f"{result['label']} 〔{shard}〕")
    if result.get("blocked_by"):
        merged["blocked_by"] = f"{result['blocked_by']} 〔{shard}〕"
    return merged


def combine(shards: list[Shard]) -> dict:
    """The merged run: cover, traceability (in scope and not), results, labs, errata,
    measurements, the verdict's reasons and the scenarios whose shards disagree."""
    results = [_from_shard(r, s.name) for s in shards for r in s.run["results"]]
    scope = {f for s in shards for f in s.run["folders"]} | {r["folder"] for r in results}
    mappings, notes = {}, []
    for shard in shards:
        for doc in shard.run["traceability"]:
            mapping = mapping_from(doc)
            first = mappings.setdefault(mapping.folder, (mapping, shard.name))
            if first[0].items != mapping.items:
                notes.append(
                    f"手順書 {mapping.folder} の対応表がシャード {shard.name} と {first[1]} で異なります"
                    f" ({first[1]} のものを使いました)"
                )
    book = waiving.Waivers(
        None, tuple(dict.fromkeys(waiving.from_data(w) for s in shards for w in s.run.get("waivers", [])))
    )
    traced, outside = [], []
    for folder, (mapping, _) in sorted(mappings.items()):
        (traced if folder in scope else outside).append((mapping, book.apply(mapping, trace_union(mapping, results))))
    rows = [row for _, found in traced for row in found]

    interrupted, failures, errors = [], [], []
    for shard in shards:
        verdict, cover = shard.verdict, shard.run["cover"]
        said = f"シャード {shard.name} の判定は{verdict.word}です ({counts_line(cover['counts'])})"
        if verdict is Verdict.INTERRUPTED:
            stop = cover.get("interrupted") or {}
            interrupted.append(
                f"シャード {shard.name} は中断されました ({stop.get('signal', '?')}、"
                f"{clock(stop['at']) if stop.get('at') else '?'})"
            )
        elif verdict is Verdict.FAILED:
            failures.append(said)
        elif verdict is Verdict.ERROR:
            errors.append(said)
        elif shard.run.get("exitstatus", 0) != 0:
            code = shard.run["exitstatus"]
            errors.append(
                f"シャード {shard.name} の実行が正常に終わっていません (終了コード {code}: "
                f"{EXIT_WORDS.get(code, '不明')})"
            )
    left = [row for row in rows if row.status == trace.NOT_DONE and row.item.scenarios]
    if left:
        errors.append(
            f"実行対象のフォルダ ({'、'.join(sorted(m.folder for m, _ in traced))}) の手順書の手順 "
            f"{len(left)} 件が{trace.NOT_DONE.word}です: "
            + "、".join(row.item.ref for row in left[:10])
            + (" …" if len(left) > 10 else "")
        )
    judged = judge(
        [(r["label"], r["outcome"]) for r in results], interrupted=interrupted, failures=failures, errors=errors
    )
    reasons = list(judged.reasons) if not judged.passed else []

    counts: dict[str, int] = {}
    for shard in shards:
        for name, n in shard.run["cover"]["counts"].items():
            counts[name] = counts.get(name, 0) + n
    refs: dict[str, list[str]] = {}
    for row in rows:
        for label, _, _ in row.evidence:
            refs.setdefault(label, []).append(row.item.ref)
    versions = list(dict.fromkeys(s.run["cover"]["version"] for s in shards))
    mutants = [s.run["cover"]["mutants"] for s in shards if s.run["cover"].get("mutants")]
    cover = {
        "verdict": judged.verdict.value,
        "passed": judged.passed,
        "reasons": reasons,
        "interrupted": next(
            (s.run["cover"].get("interrupted") for s in shards if s.verdict is Verdict.INTERRUPTED), None
        ),
        "counts": counts,
        "started": min(s.run["cover"]["started"] for s in shards),
        "ended": max(s.run["cover"]["ended"] for s in shards),
        "version": versions[0]
        if len(versions) == 1
        else "、".join(f"{s.run['cover']['version']} ({s.name})" for s in shards),
        "failures": [
            {
                "label": r["label"],
                "refs": refs.get(r["label"], []),
                "html": r["failure"].get("html", ""),
                "outcome": r["outcome"],
            }
            for r in results
            if r.get("failure") and Outcome.of(r["outcome"]).failing
        ],
        "environment": {f"シャード {s.name}": _environment(s) for s in shards},
        "blocked": [
            (r["label"], r["blocked_by"])
            for r in results
            if Outcome.of(r["outcome"]) == Outcome.NOT_RUN and r.get("blocked_by")
        ],
        "mutants": max(mutants, key=lambda m: m.get("finished") or 0) if mutants else None,
        "trace_counts": trace.counts(rows) if rows else {},
        "waivers": waiving.table(book, results, traced, []),
    }
    return {
        "cover": cover,
        "traced": traced,
        "outside": outside,
        "results": results,
        "reasons": reasons,
        "conflicts": _conflicts(results),
        "notes": notes,
        "shards": shards,
        "labs": [
            dict(lab, description=f"{lab.get('description', '')} — シャード {s.name}", shard=s.name)
            for s in shards
            for lab in s.run["labs"]
        ],
        "errata": [dict(e, server=f"{e.get('server', '')} 〔{s.name}〕") for s in shards for e in s.run["errata"]],
        "measurements": [
            dict(m, label=f"{m.get('label', '')} 〔{s.name}〕") for s in shards for m in s.run["measurements"]
        ],
    }


def _environment(shard: Shard) -> str:
    """実施環境 of one shard in one line: its labs (networks, run), then its own environment."""
    labs = [
        f"ラボ {lab['name']} (ラン {lab.get('run_id', '?')}: "
        + ", ".join(f"{n} {s}" for n, s in lab.get("networks", {}).items())
        + ")"
        + (f" {lab['engine']}" if lab.get("engine") else "")
        for lab in shard.run["labs"]
    ]
    own = [
        f"{name}: {value}"
        for name, value in shard.run["cover"].get("environment", {}).items()
        if not (labs and name == "サーバの提供元")
    ]  # the labs name their engine
    return " ・ ".join(labs + own) or "—"


def _conflicts(results: list[dict]) -> list[tuple[str, list[tuple[str, str]]]]:
    """Scenarios that two or more shards ran with different outcomes: (scenario, [(shard, outcome)])."""
    claims: dict[tuple[str, str], list[tuple[str, str]]] = {}
    for r in results:
        claims.setdefault((r["folder"], r["scenario_label"]), []).append((r["shard"], r["outcome"]))
    return [
        (f"{folder}/{label}", found)
        for (folder, label), found in claims.items()
        if len({outcome for _, outcome in found}) > 1
    ]


# --- the shards' JUnit and Cucumber reports, merged -----------------------------------------

JUNIT_TOTALS = ("tests", "failures", "errors", "skipped")


def merge_junit(shards: list[Shard]) -> ET.Element:
    """One <testsuites> holding each shard's suites (named after the shard), with the totals."""
    root = ET.Element("testsuites", name="oat (シャード統合)")
    totals, took = dict.fromkeys(JUNIT_TOTALS, 0), 0.0
    for shard in shards:
        suites = [shard.junit] if shard.junit.tag == "testsuite" else shard.junit.findall("testsuite")
        for suite in suites:
            suite = copy.deepcopy(suite)
            suite.set("name", f"{suite.get('name', 'pytest')} [{shard.name}]")
            counted = _suite_counts(suite)
            for key in JUNIT_TOTALS:
                suite.set(key, str(counted[key]))
                totals[key] += counted[key]
            took += float(suite.get("time") or 0)
            properties = suite.find("properties")
            if properties is None:
                properties = ET.Element("properties")
                suite.insert(0, properties)
            ET.SubElement(properties, "property", name="oat.shard", value=shard.name)
            ET.SubElement(properties, "property", name="oat.run_id", value=shard.run["run_id"])
            root.append(suite)
    for key in JUNIT_TOTALS:
        root.set(key, str(totals[key]))
    root.set("time", f"{took:.3f}")
    return root


def _suite_counts(suite: ET.Element) -> dict[str, int]:
    """The suite's own totals (pytest writes them), else counted from its test cases."""
    cases = suite.findall("testcase")
    counted = {
        "tests": len(cases),
        "failures": sum(1 for c in cases if c.find("failure") is not None),
        "errors": sum(1 for c in cases if c.find("error") is not None),
        "skipped": sum(1 for c in cases if c.find("skipped") is not None),
    }
    found = {}
    for key in JUNIT_TOTALS:
        try:
            found[key] = int(suite.get(key))
        except (TypeError, ValueError):
            found[key] = counted[key]
    return found


def merge_cucumber(shards: list[Shard]) -> list[dict]:
    """The shards' feature lists one after the other: a feature run by two shards stays two
    entries (each element's result belongs to one lab and one run), each tagged with its shard."""
    merged = []
    for shard in shards:
        for feature in shard.cucumber:
            feature = copy.deepcopy(feature)
            feature.setdefault("tags", []).append({"name": f"oat-shard:{shard.name}", "line": feature.get("line", 1)})
            merged.append(feature)
    return merged
