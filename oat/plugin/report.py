"""The operator report: reports/report.html, reports/試験成績書.xlsx, cucumber.json and
junit.xml for every `pytest features/` run, with no extra flags.

Steps are followed through pytest-bdd's hooks; each scenario's steps, with their status,
duration and evidence, go into the run record (oat-run.json, beside the report), and a failing
scenario's report starts with the one line that says which Gherkin step failed and why. The
page is oat.render.page's, made from that record as `oat merge` makes a merged one's: the
usual `--html=PATH --self-contained-html` names where it goes (pytest-html, when installed,
writes nothing).
"""

from __future__ import annotations

import base64
import getpass
import importlib.util
import json
import os
import platform
import subprocess
import time
from html import escape
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path

import pytest

from oat.errors import FeatureError, LabError
from oat.model import traceability
from oat.mutants import coverage as mutation
from oat.plugin import waivers as waiving
from oat.plugin.bdd import AS_SET_UP, carry_cucumber_data, left_out_key, scenario_of, set_up_for_key
from oat.plugin.lab import labs_key, recorder_key
from oat.plugin.project import project_of
from oat.plugin.web import browser_key
from oat.record import history, merge, trace
from oat.record.evidence import Command, one_line
from oat.record.outcome import Outcome, Verdict, counts, counts_line, interruption, judge, of_exception
from oat.record.timewords import clock
from oat.record.waivers import table as waivers_table
from oat.render import workbook
from oat.render.page import render_html as render_page
from oat.render.report import FAILURE_CONTEXT, errata_rows, failure_headline, render_failure

started_key = pytest.StashKey[float]()
page_key = pytest.StashKey[Path]()  # where the run's report.html goes (--html, else reports/report.html)
errata_key = pytest.StashKey[list]()  # the documents' Errata, each with what it applied
_config = None  # pytest_runtest_logreport is given no config
scenario_key = pytest.StashKey[tuple]()  # on a test item: (feature folder, scenario as written, as run)
step_types_key = pytest.StashKey[list]()  # on a test item: given/when/then of each step, and its start
step_inputs_key = pytest.StashKey[list]()  # on a test item: each step's docstring and table, as written
tester_key = pytest.StashKey[tuple]()  # (who runs the scenarios, how oat knows: --tester, OAT_TESTER, the OS user)
run_key = pytest.StashKey[dict]()  # what the report shows of the whole run (see _shared)
interrupted_key = pytest.StashKey[dict]()  # the run was interrupted (Ctrl-C, SIGTERM): its signal and when
stopped_key = pytest.StashKey[str]()  # the run was stopped on an error (pytest.exit): the line it said
outcome_key = pytest.StashKey[str]()  # on a test item: its outcome (oat.record.outcome's id)
SHARED = ("labs", "errata", "measurements")  # what only the process that ran the scenarios knows


def runs_features(config) -> bool:
    for arg in config.args:
        path = Path(str(arg).split("::", 1)[0])
        path = (Path(config.invocation_params.dir) / path).resolve()
        if project_of(config).runs_features(path):
            return True
    return False


@pytest.hookimpl(tryfirst=True)
def pytest_configure(config):
    """Default the report paths before pytest-html, junitxml and pytest-bdd read them."""
    global _config
    _config = config
    config.stash[started_key] = time.time()
    config.stash[errata_key] = []
    config.stash[run_key] = {
        "results": [],
        "outcomes": [],
        "errors": [],
        "version": "unknown",
        "from_workers": {key: [] for key in SHARED},
    }
    # The page is oat's: pytest-html, if installed, sees no path and writes nothing.
    html = getattr(config.option, "htmlpath", None)
    config.option.htmlpath = None
    if html and not hasattr(config, "workerinput"):
        config.stash[page_key] = Path(os.path.expandvars(html)).expanduser()
    # Listing the scenarios (--collect-only) must not replace the last run's proof.
    if not runs_features(config) or hasattr(config, "workerinput") or config.option.collectonly:
        return
    reports = project_of(config).reports
    reports.mkdir(exist_ok=True)
    opt = config.option
    config.stash.setdefault(page_key, reports / "report.html")
    if not getattr(opt, "xmlpath", None):
        opt.xmlpath = str(reports / "junit.xml")
    if not getattr(opt, "cucumber_json_path", None):
        opt.cucumber_json_path = str(reports / "cucumber.json")
    if not opt.workbook_path:
        opt.workbook_path = str(reports / "試験成績書.xlsx")


def pytest_addoption(parser, pluginmanager):
    if importlib.util.find_spec("pytest_html") is None or pluginmanager.is_blocked("html"):
        # pytest-html's options, so that the command lines that name the report keep working.
        group = parser.getgroup("terminal reporting")
        group.addoption(
            "--html",
            dest="htmlpath",
            metavar="PATH",
            default=None,
            help="write the operator report (report.html) here (oat)",
        )
        group.addoption(
            "--self-contained-html",
            action="store_true",
            help="accepted for pytest-html's command lines: oat's report is always one file",
        )
    parser.addini(
        "oat_history",
        default=str(history.CAP),
        help=f"how many runs reports/history keeps (default {history.CAP}; 0: keep every run)",
    )
    parser.getgroup("oat").addoption(
        "--workbook",
        dest="workbook_path",
        metavar="PATH",
        default=None,
        help="write the 試験成績書 (xlsx) here (default for the features: reports/試験成績書.xlsx)",
    )
    parser.getgroup("oat").addoption(
        "--tester",
        metavar="NAME",
        default=None,
        help=f"who runs the tests: the 試験成績書's 実施者 (default: ${TESTER_VARIABLE}, else the OS user)",
    )


TESTER_VARIABLE = "OAT_TESTER"


def tester(config) -> tuple[str, str]:
    """Who runs the scenarios (the 試験成績書's 実施者) and where that came from: --tester,
    else $OAT_TESTER, else the user the run's process belongs to."""
    if tester_key not in config.stash:
        if config.getoption("tester", None):
            config.stash[tester_key] = (config.getoption("tester"), "--tester")
        elif os.environ.get(TESTER_VARIABLE, "").strip():
            config.stash[tester_key] = (os.environ[TESTER_VARIABLE].strip(), TESTER_VARIABLE)
        else:
            try:
                config.stash[tester_key] = (getpass.getuser(), "OS のユーザ")
            except (OSError, KeyError):  # no name for this uid (a container's user)
                config.stash[tester_key] = (f"uid {os.getuid()}", "OS のユーザ")
    return config.stash[tester_key]


def pytest_sessionstart(session):
    session.config.stash[run_key]["version"] = _suite_version(project_of(session.config).root)


def _suite_version(root: Path) -> str:
    """oat's version, and the project's commit when it is a git repository: what ran, on what."""
    try:
        oat = version("oat")
    except PackageNotFoundError:
        oat = "(not installed)"
    try:
        out = subprocess.run(
            ["git", "-C", str(root), "rev-parse", "--show-toplevel"], capture_output=True, text=True, timeout=5
        )
        if out.returncode != 0 or Path(out.stdout.strip()).resolve() != root.resolve():
            return oat  # not a repository of its own (a folder inside another one's tree, or none)
        out = subprocess.run(
            ["git", "-C", str(root), "describe", "--always", "--dirty"], capture_output=True, text=True, timeout=5
        )
        return f"{oat} ({root.name} {out.stdout.strip()})" if out.stdout.strip() else oat
    except (OSError, subprocess.SubprocessError):
        return oat


# --- following the Gherkin steps -------------------------------------------------------


def pytest_bdd_before_scenario(request, feature, scenario):
    recorder = request.config.stash[recorder_key]
    recorder.start_scenario([(s.keyword, s.name) for s in scenario.steps], key=request.node.nodeid)
    # The traceability tables name scenarios as written (an outline's name with its <...>).
    written = next((t.name for t in feature.scenarios.values() if t.line_number == scenario.line_number), scenario.name)
    request.node.stash[scenario_key] = (Path(feature.filename).parent.name, written, scenario.name)
    request.node.stash[step_types_key] = ([s.type for s in scenario.steps], time.time())
    request.node.stash[step_inputs_key] = [
        (s.docstring, s.datatable.raw() if s.datatable else None) for s in scenario.steps
    ]


def pytest_bdd_before_step(request, feature, scenario, step, step_func):
    request.config.stash[recorder_key].start_step(_index(scenario, step))


def pytest_bdd_after_step(request, feature, scenario, step, step_func, step_func_args):
    request.config.stash[recorder_key].end_step()


def pytest_bdd_step_error(request, feature, scenario, step, step_func, step_func_args, exception):
    recorder = request.config.stash[recorder_key]
    recorder.end_step(exception)
    _gather_failure_context(request, recorder, recorder.failed_step)


def _gather_failure_context(request, recorder, step) -> None:
    """What an operator looks at first when a step fails: the end of the journal of the
    servers the step worked on, and the browser's screens. Best effort: never hides the failure."""
    if step is None:
        return
    # The servers the failed step worked on; a check that ran nothing itself looks at what
    # the steps before it ran (the "when" whose outcome it checks).
    worked = next((s.commands for s in reversed(recorder.steps[: recorder.steps.index(step) + 1]) if s.commands), [])
    servers = list(dict.fromkeys(c.server for c in reversed(worked)))[:2]
    if servers and "lab" in request.fixturenames:
        for name in servers:
            try:
                tail = request.getfixturevalue("lab").server(name).log_tail()
            except Exception as exc:  # noqa: BLE001
                tail = f"(取得できません: {one_line(exc)})"
            recorder.attach("text", f"{FAILURE_CONTEXT} {name} のログ (journalctl 末尾)", tail, step=step)
    chromium = request.config.stash.get(browser_key, None)
    if chromium is None:
        return
    for context in chromium.contexts:
        for page in context.pages:
            try:
                recorder.attach(
                    "png", f"{FAILURE_CONTEXT} ブラウザの画面 ({page.url})", page.screenshot(full_page=True), step=step
                )
            except Exception:  # noqa: BLE001 - a page closing under us is no reason to hide the failure
                continue


def pytest_bdd_step_func_lookup_error(request, feature, scenario, step, exception):
    recorder = request.config.stash[recorder_key]
    recorder.start_step(_index(scenario, step))
    recorder.end_step(FeatureError(f"ステップ定義がありません: {step.keyword} {step.name}"))


def _index(scenario, step) -> int:
    for i, candidate in enumerate(scenario.steps):
        if candidate is step:
            return i
    return scenario.steps.index(step)


# --- into the report -------------------------------------------------------------------


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    report = outcome.get_result()
    recorder = item.config.stash[recorder_key]
    if call.excinfo is not None and call.excinfo.errisinstance(LabError):
        # Lab problems are explained by their message; a traceback only hides it.
        report.longrepr = f"{item.nodeid}: {one_line(call.excinfo.value)}"
    if report.when == "teardown":
        if outcome_key in item.stash:  # junit.xml takes a test case's properties from its teardown
            report.user_properties.append(("oat.outcome", Outcome.of(item.stash[outcome_key]).word))
        return
    report.oat_outcome = _outcome(item, report, call)  # plain data: it reaches the xdist controller
    if report.oat_outcome is not None:
        item.stash[outcome_key] = report.oat_outcome
    if report.when != "call" and not (report.when == "setup" and report.failed):
        return
    if recorder.key != item.nodeid:
        _before_its_steps(item, report)  # a scenario whose set-up failed (or not a scenario)
        return
    failed = recorder.failed_step
    folder, written, label = item.stash.get(scenario_key, ("", item.name, item.name))
    if item.stash.get(set_up_for_key, ""):  # selected by -k for another scenario: the report says so
        label = f"{label} 〔{AS_SET_UP}: 「{item.stash[set_up_for_key]}」のため〕"
    # Plain data on the report itself: it reaches the controller under pytest-xdist too.
    types, began = item.stash.get(step_types_key, ([], time.time()))
    inputs = item.stash.get(step_inputs_key, [])
    report.oat_scenario = {
        "folder": folder,
        "scenario": written,
        "label": label,
        "started": began,
        "outcome": report.oat_outcome,
        "name": item.stash.get(scenario_key, (folder, written, label))[2],
        "duration": report.duration,
        "tester": tester(item.config)[0],
        "steps": [
            _step_data(s, types[i] if i < len(types) else "", *(inputs[i] if i < len(inputs) else ()))
            for i, s in enumerate(recorder.steps)
        ],
    }
    if report.failed:
        report.oat_scenario["output"] = _output(report)
    if report.failed and failed is not None:
        report.oat_scenario["failure"] = {"headline": failure_headline(failed), "html": render_failure(failed)}
    waiving.waive(item, report)  # a waived failure becomes 免除 here, before anything reads the report
    item.stash[outcome_key] = report.oat_outcome
    if report.failed and failed is not None:
        report.longrepr = f"{failure_headline(failed)}\n\n{report.longreprtext}"


def _output(report, limit: int = 20000) -> str:
    """pytest's own text of a failed phase (the traceback, then what it captured), for the
    page's folded 「pytest の出力」; oat.plugin.secrets masks it with the rest of the scenario."""
    text = "\n\n".join([report.longreprtext, *(f"--- {title} ---\n{content}" for title, content in report.sections)])
    return text if len(text) <= limit else text[:limit] + f"\n… ({len(text) - limit} 文字省略)"


def _outcome(item, report, call) -> str | None:
    """A test's outcome (oat.record.outcome) from the report of the phase that decides it: its
    call, or a set-up that failed (エラー: nothing was checked) or left it out."""
    if report.when == "call":
        if report.failed:
            return (of_exception(call.excinfo.value) if call.excinfo is not None else Outcome.ERROR).value
        return (Outcome.PASSED if report.passed else Outcome.CANNOT).value
    if report.when == "setup" and report.failed:
        return Outcome.ERROR.value
    if report.when == "setup" and report.skipped:
        left_out = item.stash.get(left_out_key, None)
        return Outcome.of(left_out["outcome"]).value if left_out else Outcome.CANNOT.value
    return None


def _before_its_steps(item, report) -> None:
    """A scenario that failed before its first step (its lab could not be made): エラー, as
    report data of its own, so that the report, the history and waivers see it."""
    found = scenario_of(item)
    if found is None or not report.failed:
        return
    folder, written = found
    callspec = getattr(item, "callspec", None)
    label = f"{written} [{callspec.id}]" if callspec is not None else written
    cause = next((line.strip() for line in reversed(report.longreprtext.strip().splitlines()) if line.strip()), "")
    headline = f"{Outcome.ERROR.word}: シナリオの準備 (最初のステップの前) — 原因: {cause.removeprefix('E ').strip()}"
    report.oat_scenario = {
        "folder": folder,
        "scenario": written,
        "label": label,
        "name": label,
        "started": time.time(),
        "outcome": Outcome.ERROR.value,
        "duration": report.duration,
        "steps": [],
        "output": _output(report),
        "failure": {"headline": headline, "html": f'<div class="oat-failure">{escape(headline)}</div>'},
    }
    waiving.waive(item, report)
    item.stash[outcome_key] = report.oat_outcome


def _step_data(step, kind: str, docstring: str | None = None, table: list | None = None) -> dict:
    """A step as plain data (it crosses from xdist workers): what the reports show of it, with
    the docstring and table it was written with (the 試験成績書's 入力値). Screenshots are
    `shots`; the other attachments (texts, the suite's own SVG charts) `attachments`."""
    data = {
        "title": step.title,
        "type": kind,
        "status": step.status,
        "duration": step.duration,
        "error": step.error,
        "commands": [vars(c) for c in step.commands],
        "shots": [
            {"name": a.name, "png": base64.b64encode(a.content).decode()} for a in step.attachments if a.kind == "png"
        ],
    }
    others = [{"kind": a.kind, "name": a.name, "content": a.content} for a in step.attachments if a.kind != "png"]
    if others:
        data["attachments"] = others
    if docstring:
        data["docstring"] = docstring
    if table:
        data["table"] = [[str(cell) for cell in row] for row in table]
    return data


# --- the whole run, also across pytest-xdist workers -------------------------------------


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_logreport(report):
    """Count scenarios and keep their results where the reports arrive (the controller under
    pytest-xdist). A report from a worker gets pytest-bdd's scenario back first, so that
    cucumber.json, written from pytest-bdd's registry, has it too."""
    cucumber = carry_cucumber_data(report)
    if cucumber is not None and getattr(report, "oat_outcome", None):  # cucumber.json: the outcome as a tag
        tag = f"oat-outcome:{Outcome.of(report.oat_outcome).word}"
        if tag not in cucumber.setdefault("tags", []):
            cucumber["tags"].append(tag)
    yield
    if _config is None:
        return
    run = _config.stash[run_key]
    scenario = getattr(report, "oat_scenario", None)
    if getattr(report, "oat_outcome", None):
        run["outcomes"].append((scenario["label"] if scenario else report.nodeid, report.oat_outcome))
    elif report.failed and report.when == "teardown":
        run["errors"].append(f"後処理でエラー: {report.nodeid}")
    if scenario and report.when in ("call", "setup"):
        run["results"].append(scenario)


@pytest.hookimpl(hookwrapper=True, tryfirst=True)
def pytest_sessionfinish(session):
    """A worker hands what only it knows (its labs, errata, measurements) to the controller;
    the controller times the writing of the reports and says what it cost."""
    config = session.config
    if hasattr(config, "workeroutput"):
        config.workeroutput["oat"] = json.dumps(_local(config), default=_plain)
    else:
        _append_history(config)
    yield
    if hasattr(config, "workeroutput"):
        return
    html = config.stash.get(page_key, None)
    if html and not config.option.collectonly:
        started = time.perf_counter()
        _write_page(config, html, session.exitstatus)
        _say_cost(config, "report", html, time.perf_counter() - started)
    book = config.getoption("workbook_path", None)
    if book and config.stash[run_key]["outcomes"]:
        started = time.perf_counter()
        summary = _summary(config)
        workbook.write(
            Path(book),
            cover=summary["cover"],
            traced=summary["traced"],
            results=config.stash[run_key]["results"],
            labs=summary["labs"],
            measurements=summary["measurements"],
        )
        _say_cost(config, "試験成績書", Path(book), time.perf_counter() - started)


def _write_page(config, html: Path, exitstatus: int) -> None:
    """The run record (oat-run.json, beside the page), then the page made from it as it was
    written: what `oat merge` reads of this run is what its own page shows."""
    labs = config.stash.get(labs_key, None)
    record = merge.write_run(
        html.parent / merge.RUN_FILE,
        summary=_summary(config),
        results=config.stash[run_key]["results"],
        run_id=labs.run_id if labs else "",
        exitstatus=exitstatus,
        folders=_folders(config),
        waivers=[w.data() for w in _waiver_book(config).waivers.entries],
    )
    run = config.stash[run_key]
    mine = {(r["folder"], r.get("name", r["label"])) for r in run["results"]}
    runs = run.get("history", [])
    html.write_text(
        render_page(merge.single(merge.read_run(record)), (history.view(runs, only=mine), len(runs))), encoding="utf-8"
    )


def _append_history(config) -> None:
    """This run's scenarios, appended to the history beside its report (reports/history), and
    the history read back for the report's strip (run["history"])."""
    html = config.stash.get(page_key, None)
    run = config.stash[run_key]
    if not html or config.option.collectonly or not run["results"]:
        return
    cover = _summary(config)["cover"]
    labs = config.stash.get(labs_key, None)
    where = html.parent / history.DIRECTORY
    try:
        cap = int(config.getini("oat_history"))
    except ValueError:
        cap = history.CAP
    record = history.record(
        run_id=labs.run_id if labs else "",
        started=cover["started"],
        ended=cover["ended"],
        commit=history.commit_of(project_of(config).root),
        verdict=cover["verdict"],
        results=run["results"],
    )
    try:
        history.append(where, record, cap)
        run["history"] = history.load(where)
    except (OSError, history.HistoryError) as exc:
        config.get_terminal_writer().line(f"[oat] warning: {where}: the run history was not written ({exc})")


def _folders(config) -> list[str]:
    """The feature folders this run set out to carry out: those its arguments name (all of
    them for features/ itself) and those it ran scenarios of."""
    found = {r["folder"] for r in config.stash[run_key]["results"]}
    project = project_of(config)
    for arg in config.args:
        path = (Path(config.invocation_params.dir) / str(arg).split("::", 1)[0]).resolve()
        if path == project.features or path in project.features.parents:
            found.update(project.procedures())
        elif project.procedure_of(path):
            found.add(project.procedure_of(path))
    return sorted(found)


def _say_cost(config, what: str, path: Path, spent: float) -> None:
    total = max(time.time() - config.stash[started_key], 1e-6)
    config.get_terminal_writer().line(
        f"[oat] {what}: {path} ({path.stat().st_size / 1e6:.2f} MB); writing it took "
        f"{spent:.2f} s of the run's {total:.1f} s ({100 * spent / total:.1f} %)"
    )


@pytest.hookimpl(optionalhook=True)
def pytest_testnodedown(node, error):
    data = json.loads(getattr(node, "workeroutput", {}).get("oat", "{}") or "{}")
    for lab in data.get("labs", []):
        lab["setup_commands"] = [Command(**c) for c in lab.get("setup_commands", [])]
    for key in SHARED:
        node.config.stash[run_key]["from_workers"][key].extend(data.get(key, []))


def _local(config) -> dict:
    """This process's labs, applied errata and measurements."""
    labs = config.stash.get(labs_key, None)
    recorder = config.stash.get(recorder_key, None)
    return {
        "labs": labs.summaries if labs else [],
        "errata": [r for errata in config.stash.get(errata_key, []) for r in errata_rows(errata.applied)],
        "measurements": recorder.measurements if recorder else [],
    }


def _shared(config) -> dict:
    """The run's labs, errata and measurements: the workers' and this process's."""
    local, workers = _local(config), config.stash[run_key]["from_workers"]
    return {key: workers[key] + local[key] for key in SHARED}


def _plain(value):
    """JSON for the recorded commands in the lab summaries."""
    return vars(value)


def pytest_keyboard_interrupt(excinfo):
    """Ctrl-C or SIGTERM: whatever ran, the verdict is 中断, with the signal and the time;
    a run stopped on an error (pytest.exit) is エラー, with the line it said."""
    if _config is None:
        return
    stop = interruption(excinfo.value, time.time())
    if stop is not None:
        _config.stash[interrupted_key] = stop
    else:
        _config.stash[stopped_key] = next(iter(str(excinfo.value).strip().splitlines()), type(excinfo.value).__name__)


def _verdict(config) -> dict:
    """The run's verdict (oat.record.outcome.judge) and why, as the cover keeps them."""
    run = config.stash[run_key]
    stop = config.stash.get(interrupted_key, None)
    stopped = config.stash.get(stopped_key, None)
    judged = judge(
        run["outcomes"],
        interrupted=[f"中断: {stop['signal']} ({clock(stop['at'])})"] if stop else [],
        errors=[*run["errors"], *([f"実行が止まりました: {stopped}"] if stopped else [])],
    )
    return {
        "verdict": judged.verdict.value,
        "passed": judged.passed,
        "reasons": list(judged.reasons),
        "interrupted": stop,
    }


def _waiver_book(config) -> waiving.Book:
    return config.stash.get(waiving.book_key, None) or waiving.Book()


def _summary(config) -> dict:
    """What the HTML report and the 試験成績書 both show of the whole run: the cover, the
    traceability of each document, and the run's labs, errata and measurements. Made once,
    when the first of them is written (the scenarios have all reported by then)."""
    run = config.stash[run_key]
    if "summary" not in run:
        run["summary"] = _summarize(config)
    return run["summary"]


def _summarize(config) -> dict:
    run, shared = config.stash[run_key], _shared(config)
    # The documents of the folders this run set out to carry out, not every one the project has.
    features = project_of(config).features
    mappings = [
        traceability.load(features / folder / "traceability.yaml")
        for folder in _folders(config)
        if (features / folder / "traceability.yaml").is_file()
    ]
    book = _waiver_book(config)
    traced = [(m, book.waivers.apply(m, trace.trace(m, run["results"]))) for m in mappings]
    refs = {}
    for _mapping, rows in traced:
        for row in rows:
            for label, _, _ in row.evidence:
                refs.setdefault(label, []).append(row.item.ref)
    all_rows = [row for _, rows in traced for row in rows]
    failures = [
        {"label": r["label"], "refs": refs.get(r["label"], []), "html": r["failure"]["html"], "outcome": r["outcome"]}
        for r in run["results"]
        if r.get("failure") and Outcome.of(r["outcome"]).failing
    ]
    blocked = [
        (r["label"], r["blocked_by"])
        for r in run["results"]
        if Outcome.of(r["outcome"]) == Outcome.NOT_RUN and r.get("blocked_by")
    ]
    cover = {
        **_verdict(config),
        "counts": counts(o for _, o in run["outcomes"]),
        "started": config.stash[started_key],
        "ended": time.time(),
        "version": run["version"],
        "failures": failures,
        "environment": _environment(shared["labs"]),
        "blocked": blocked,
        "mutants": mutation.for_report(project_of(config).root, _folders(config)),
        "trace_counts": trace.counts(all_rows) if all_rows else {},
        "waivers": waivers_table(book.waivers, run["results"], traced, book.unknown),
        "tester": "{} ({})".format(*tester(config)),
    }
    return {"cover": cover, "traced": traced, **shared}


def _environment(labs: list[dict]) -> dict[str, str]:
    """実施環境 on the first screen: the suite's interpreter, where the servers were, and CI."""
    engines = sorted({lab["engine"] for lab in labs if lab.get("engine")})
    ci = os.environ.get("CI", "")
    return {
        "Python": f"{platform.python_version()} (pytest {pytest.__version__}, pytest-bdd {version('pytest-bdd')})",
        "実行ホスト": f"{platform.node()} ({platform.system()} {platform.release()})",
        "サーバの提供元": "、".join(engines) or "このランではサーバを用意していません",
        "CI": f"CI で実行 (CI={ci})" if ci else "手動実行 (CI 変数なし)",
    }


def pytest_terminal_summary(terminalreporter, config):
    """The verdict and the counts in one line, `[oat] 判定 不合格: 合格 3 ・ 不合格 1 ・ …`; then
    the waivers' lines and the scenarios the history finds 不安定."""
    run = config.stash.get(run_key, None)
    if (
        run is None
        or hasattr(config, "workerinput")
        or config.option.collectonly
        or not (run["results"] or runs_features(config))
    ):
        return
    cover = _summary(config)["cover"]
    stop = cover.get("interrupted")
    said = Verdict(cover["verdict"]).word + (f" ({stop['signal']}、{clock(stop['at'])})" if stop else "")
    terminalreporter.write_line(f"[oat] 判定 {said}: {counts_line(cover['counts'])}")
    for line in waiving.lines(config, run["results"]):
        terminalreporter.write_line(line)
    mine = {(r["folder"], r.get("name", r["label"])) for r in run["results"]}
    for line in history.view(run.get("history", []), only=mine):
        if line.unstable:
            terminalreporter.write_line(f"[oat] {line.folder}/{line.label}: {history.unstable_text(line)}")
