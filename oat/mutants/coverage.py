"""検出力 per documented step: every step of the project's documents with its post-condition,
the checks that assert it, the mutants that break it (their `# refs:`) and what the last run
decided of each. `oat mutants --table` prints it (text or markdown); the report's 検出力
section shows the same table for the folders it ran."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from oat.errors import LabError
from oat.model import traceability
from oat.mutants import catalog, results, targets
from oat.mutants.results import ERROR, KILLED, SURVIVED, Outcome

NOT_RUN = "未実行"
WORDS = {KILLED: "検出", SURVIVED: "見逃し", ERROR: "エラー", NOT_RUN: NOT_RUN}
ELSEWHERE = "検出・範囲外"  # killed, but by a step that is no check of the sentence it breaks
PHASES = {targets.TARGETED: "対象シナリオ", targets.FOLDER: "フォルダ全体"}
GAP = "期待結果も、事後条件がない理由もない (traceability.yaml に expected か no_post_condition を書く)"
LEGEND = (
    f"{ELSEWHERE}: 変異が破る手順の確認ではないステップが検出した (検出には数える)。"
    f"{PHASES[targets.TARGETED]}: その手順のシナリオ (と前提として実行したシナリオ) だけの実行で検出"
)


@dataclass
class Coverage:
    folder: str
    ref: str
    expected: str  # the post-condition sentence ("" when the step states none)
    why_none: str  # why there is no post-condition to break ("" when there is one, or no reason is given)
    checks: list[str]
    mutants: list[Outcome]  # each with the verdict of its last run on its patch as it is, or NOT_RUN
    out_of_scope: str = ""  # why its document is not mutated (traceability `no_mutants`)

    @property
    def covered(self) -> bool:
        return bool(self.why_none) or any(o.verdict == KILLED for o in self.mutants)

    @property
    def mark(self) -> str:
        """○ a mutant was killed (or there is nothing to break), × not yet, − not mutated at all."""
        return "○" if self.covered else "−" if self.out_of_scope and self.expected else "×"


def coverage(root: Path = catalog.ROOT) -> list[Coverage]:
    """Every documented step of the project's documents, with its checks and mutants."""
    folder = root / "lab" / "mutants"
    last = results.saved(folder / "result.json")
    breaking: dict[tuple[str, str], list[Outcome]] = {}
    for mutant in catalog.all_mutants(folder=folder) if folder.is_dir() else []:
        outcome = results.current(last.get(mutant.name), mutant) or Outcome(
            mutant.name, mutant.kind, mutant.defect, NOT_RUN
        )
        if outcome.verdict == KILLED:  # judged by the traceability as it is now, not as it was at the run
            outcome.elsewhere = _elsewhere(root / "features", mutant, outcome)
        for name in mutant.features:
            for ref in mutant.refs:
                breaking.setdefault((name, ref), []).append(outcome)
    rows = []
    for path in sorted((root / "features").glob("*/traceability.yaml")):
        mapping = traceability.load(path)
        for item in mapping.items:
            why = (
                f"実施不可: {item.not_applicable}"
                if item.not_applicable
                else f"事後条件を述べない手順: {item.no_post_condition}"
                if item.no_post_condition
                else ""
            )
            rows.append(
                Coverage(
                    mapping.folder,
                    item.ref,
                    item.expected,
                    why,
                    targets.checks_for(root / "features", mapping.folder, item),
                    breaking.get((mapping.folder, item.ref), []),
                    mapping.no_mutants,
                )
            )
    return rows


def _elsewhere(features: Path, mutant: catalog.Mutant, outcome: Outcome) -> bool:
    try:
        return not targets.within_refs(features, mutant, outcome.scenario, outcome.step)
    except LabError:  # a ref the traceability lacks: the run and the unit tests name it
        return False


def cells(row: Coverage) -> dict:
    """A row as every table shows it (terminal, markdown, the report): plain words."""
    return {
        "folder": row.folder,
        "ref": row.ref,
        "sentence": row.expected or row.why_none or GAP,
        "states": bool(row.expected),
        "covered": row.covered,
        "mark": row.mark,
        "out_of_scope": row.out_of_scope,
        "checks": row.checks,
        "mutants": [{"name": o.name, "result": result_word(o), "by": caught_by(o)} for o in row.mutants],
    }


def result_word(outcome: Outcome) -> str:
    word = ELSEWHERE if outcome.verdict == KILLED and outcome.elsewhere else WORDS.get(outcome.verdict, outcome.verdict)
    phase = PHASES.get(outcome.phase, "") if outcome.verdict == KILLED else ""
    return f"{word} ({phase})" if phase else word


def caught_by(outcome: Outcome) -> str:
    """The scenario and step that killed it (or failed), and the one-line cause."""
    if outcome.scenario:
        return f"「{outcome.scenario}」 / 「{outcome.step}」: {outcome.cause}"
    return outcome.cause if outcome.verdict == ERROR else ""


def totals(rows: list[Coverage]) -> str:
    stated = [r for r in rows if r.expected and not r.out_of_scope]
    outside = [r for r in rows if r.expected and r.out_of_scope]
    covered = [r for r in stated if r.covered]
    elsewhere = [r for r in stated if r.covered and not any(o.verdict == KILLED and not o.elsewhere for o in r.mutants)]
    none = [r for r in rows if r.why_none]
    gaps = [r for r in rows if not r.expected and not r.why_none]
    folders = sorted({r.folder for r in stated})
    each = ", ".join(
        f"{f} {sum(r.covered for r in stated if r.folder == f)}/{sum(r.folder == f for r in stated)}" for f in folders
    )
    return (
        f"事後条件を述べる手順 {len(stated)} 件のうち、検出された変異があるもの {len(covered)} 件"
        f" (範囲外での検出だけのもの {len(elsewhere)} 件); 述べない手順 {len(none)} 件"
        + (f"; 期待結果も理由もない手順 {len(gaps)} 件" if gaps else "")
        + (f" (フォルダ別: {each})" if len(folders) > 1 else "")
        + (
            f"; 変異の対象外の手順 {len(outside)} 件 ({', '.join(sorted({r.folder for r in outside}))}: "
            f"{outside[0].out_of_scope})"
            if outside
            else ""
        )
    )


def coverage_text(rows: list[Coverage]) -> str:
    """The table as the terminal shows it: one block per documented step."""
    lines = []
    for row in map(cells, rows):
        lines.append(f"{row['mark']} {row['folder']} {row['ref']}: {row['sentence']}")
        lines += [f"    確認: {check}" for check in row["checks"][:6]]
        if len(row["checks"]) > 6:
            lines.append(f"    確認: … (ほか {len(row['checks']) - 6})")
        for m in row["mutants"]:
            lines.append(f"    変異: {m['name']}: {m['result']}" + (f" — {m['by']}" if m["by"] else ""))
        if row["out_of_scope"] and row["states"] and not row["mutants"]:
            lines.append(f"    変異: 対象外 ({row['out_of_scope']})")
        elif row["states"] and not row["mutants"]:
            lines.append("    変異: なし (この事後条件を破る変異がまだない)")
    lines.append(f"[oat] {totals(rows)}")
    lines.append(f"[oat] {LEGEND}")
    return "\n".join(lines)


def coverage_markdown(rows: list[Coverage]) -> str:
    """The table in markdown, for a note: one table per feature folder."""
    out, folder = [], None
    for row in map(cells, rows):
        if row["folder"] != folder:
            folder = row["folder"]
            out += [
                "",
                f"### {folder}",
                "",
                "| | 手順 | 事後条件 | 確認 | 変異と結果 |",
                "| --- | --- | --- | --- | --- |",
            ]
        mutants = "<br>".join(
            f"{m['name']}: **{m['result']}**" + (f" — {m['by']}" if m["by"] else "") for m in row["mutants"]
        ) or ("なし" if row["states"] else "")
        out.append(
            "| "
            + " | ".join(
                _cell(text)
                for text in (
                    row["mark"],
                    row["ref"],
                    row["sentence"],
                    "<br>".join(row["checks"]),
                    mutants,
                )
            )
            + " |"
        )
    out += ["", totals(rows), "", LEGEND]
    return "\n".join(out).lstrip("\n")


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def for_report(project_root: Path, folders: list[str]) -> dict | None:
    """The project's saved result, counting only the mutants of the feature folders this run
    carried out (a run of one product shows that product's 検出力; a project without mutants
    shows none), with the table of those folders."""
    folder = Path(project_root) / "lab" / "mutants"
    last = results.last_result(folder / "result.json")
    if not last:
        return None
    concerns = {m.name: set(m.features) for m in catalog.all_mutants(folder=folder)}
    mine = [o for o in last.get("outcomes", []) if concerns.get(o["name"], set()) & set(folders)]
    if not mine:
        return None
    rows = [row for row in coverage(Path(project_root)) if row.folder in folders]
    return {
        **last,
        "outcomes": mine,
        "total": len(mine),
        "killed": sum(o["verdict"] == KILLED for o in mine),
        "table": [cells(row) for row in rows],
        "totals": totals(rows),
        "legend": LEGEND,
    }
