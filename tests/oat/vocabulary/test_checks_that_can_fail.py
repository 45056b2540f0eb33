"""The generic checks that tell the good case from the broken one where the plain checks cannot
(issue 20): a unit stopped for real, data read back after an event, an invariant with nothing
at stake, a command that must fail, a line written after a point and not before it.

Each runs on this machine as a lab server (tests/oat/vocabulary/test_generic_steps.py's LocalLab). What a
server here lacks is stood in for: systemd by a `systemctl` that answers from files, the
cgroup file system by a folder, the journal by a `journalctl` that reads a file of entries. The
processes, files, users and shell pipelines are real.
"""

from __future__ import annotations

import os
import pwd
import shutil
import subprocess
import sys
import threading
import time
from pathlib import Path
from types import SimpleNamespace

import pytest

from oat.errors import FeatureError, NothingAtStake, OatError, at_stake
from oat.faults.client import AppendClient, Forms
from oat.record.evidence import Masker, Recorder, one_line
from oat.vocabulary import commands, files, journal, processes, servers, services
from oat.vocabulary.checks import within
from oat.vocabulary.remembered import Remembered
from tests.oat.vocabulary.test_generic_steps import ROOT, LocalLab, fails


@pytest.fixture(scope="module")
def lab() -> LocalLab:
    return LocalLab(Recorder(Masker()))


@pytest.fixture
def remembered() -> Remembered:
    return Remembered()


@pytest.fixture
def tools(tmp_path, monkeypatch) -> Path:
    """A folder first on PATH for the stand-ins of systemctl and journalctl."""
    folder = tmp_path / "bin"
    folder.mkdir()
    monkeypatch.setenv("PATH", f"{folder}{os.pathsep}{os.environ['PATH']}")
    return folder


def _program(folder: Path, name: str, text: str) -> None:
    path = folder / name
    path.write_text(text)
    path.chmod(0o755)


@pytest.fixture
def leftover(tmp_path):
    """Start a process with a name of its own (a copy of sleep), or sleep itself; ended at the end."""
    started = []

    def start(name: str = "", **popen) -> subprocess.Popen:
        program = tmp_path / name if name else Path("/bin/sleep")
        if name:
            shutil.copy("/bin/sleep", program)
        process = subprocess.Popen([str(program), "60"], **popen)
        started.append(process)
        return process

    yield start
    for process in started:
        process.kill()
        process.wait()


# --- a unit stopped for real -------------------------------------------------------------

UNIT = "oat-demo"
CGROUP = "/system.slice/oat-demo.service"


@pytest.fixture
def systemd(tools, tmp_path, monkeypatch):
    """A systemctl that answers is-active and show from files, and a cgroup file system in a
    folder; returns a function setting the unit's state, control group and user."""
    state = tmp_path / "systemd"
    state.mkdir()
    _program(
        tools,
        "systemctl",
        f"""#!/bin/sh
case "$1" in
  is-active) cat {state}/active; [ "$(cat {state}/active)" = active ];;
  show) cat {state}/show;;
  *) echo "systemctl stand-in: $*" >&2; exit 1;;
esac
""",
    )
    cgroups = tmp_path / "cgroup"
    (cgroups / CGROUP.strip("/")).mkdir(parents=True)
    (cgroups / CGROUP.strip("/") / "cgroup.procs").write_text("")
    monkeypatch.setattr(services, "CGROUPS", str(cgroups))

    def unit(active="inactive", cgroup=CGROUP, user="", procs=(), under=""):
        (state / "active").write_text(active + "\n")
        (state / "show").write_text(f"Id={UNIT}.service\nControlGroup={cgroup}\nUser={user}\n")
        folder = cgroups / CGROUP.strip("/") / under
        folder.mkdir(exist_ok=True)
        (folder / "cgroup.procs").write_text("".join(f"{pid}\n" for pid in procs))

    unit()
    return unit


def _ps(pid: int) -> str:
    return " ".join(
        subprocess.run(
            ["ps", "-ww", "-o", "pid=,user=,comm=,args=", "-p", str(pid)], capture_output=True, text=True
        ).stdout.split()
    )


def test_a_stopped_unit_with_an_empty_control_group_is_stopped_completely(lab, systemd):
    services.service_stopped_completely(lab, "箱", UNIT)
    systemd(cgroup="")  # systemd no longer names the group and none is left of the unit's name
    services.service_stopped_completely(lab, "box", UNIT)


def test_a_child_left_in_the_control_group_is_not_stopped(lab, systemd, leftover):
    """KillMode=process: the unit is inactive, nothing runs by its name, but its child does."""
    child = leftover(f"oatkid{os.getpid() % 100000}")
    systemd(procs=[child.pid], under="payload")  # in a sub-group of the unit's group
    services.service_stopped(lab, "box", UNIT)  # what "stopped" said before
    processes.process_absent(lab, "box", UNIT)
    assert fails(services.service_stopped_completely, lab, "box", UNIT) == (
        f"box: service {UNIT} is 'inactive' but its control group {CGROUP} still holds 1 process(es): {_ps(child.pid)}"
    )
    systemd(cgroup="", procs=[child.pid])  # a systemd that forgot the group: found by the unit's name
    assert f"its control group {UNIT}.service still holds 1 process(es): {child.pid} " in fails(
        services.service_stopped_completely, lab, "box", UNIT
    )
    threading.Timer(1.0, lambda: (child.kill(), child.wait())).start()  # it ends: the group empties
    within(services.service_stopped_completely)(seconds=10, lab=lab, server="box", unit=UNIT)


def test_an_active_unit_is_not_stopped(lab, systemd):
    systemd(active="active")
    assert fails(services.service_stopped_completely, lab, "box", UNIT) == (
        f"box: service {UNIT} is 'active', expected 'inactive' (stopped)"
    )


@pytest.mark.skipif(os.geteuid() != 0, reason="starting a process as another user needs root")
def test_a_process_left_to_the_unit_s_user_is_not_stopped(lab, systemd, leftover):
    user = "games"
    pwd.getpwnam(user)
    if subprocess.run(["pgrep", "-u", user], capture_output=True).returncode == 0:
        pytest.skip(f"something runs as {user} on this machine")
    systemd(user=user)
    services.service_stopped_completely(lab, "box", UNIT)
    systemd(user="root")  # root's processes are everyone's: not the unit's
    services.service_stopped_completely(lab, "box", UNIT)
    child = leftover(user=user)
    systemd(user=user)
    assert fails(services.service_stopped_completely, lab, "box", UNIT) == (
        f"box: service {UNIT} is 'inactive' but its user {user} still runs 1 process(es): {_ps(child.pid)}"
    )


# --- data written before an event, read back after it ------------------------------------


def test_an_output_remembered_is_read_back(lab, remembered, tmp_path):
    data = tmp_path / "count"
    data.write_text("42\n")
    commands.remember_output(lab, remembered, "箱", f"cat {data}", "件数")
    assert remembered.outputs[("件数", "box2")].value == "42"
    commands.output_as_remembered(lab, remembered, "箱", f"cat {data}", "件数")
    data.write_text("0\n")  # the data did not survive the event
    assert fails(commands.output_as_remembered, lab, remembered, "box", f"cat {data}", "件数") == (
        f"box: `{commands._short(f'cat {data}')}` answered '0' (exit 0), expected '42', remembered as '件数' on box"
    )
    data.unlink()
    assert fails(commands.output_as_remembered, lab, remembered, "box", f"cat {data}", "件数").startswith(
        f"box: `{commands._short(f'cat {data}')}` answered '(empty)' (exit 1), expected '42', remembered as '件数' "
        "on box (stderr: cat:"
    )


def test_an_output_remembered_on_one_server_is_read_back_on_another(lab, remembered):
    commands.remember_output(lab, remembered, "box", "echo 7", "件数")
    commands.output_as_remembered(lab, remembered, "solo", "echo 7", "件数")  # after a failover, say
    commands.remember_output(lab, remembered, "box2", "echo 8", "件数")
    with pytest.raises(FeatureError, match="no output remembered as '件数' on solo .remembered on box, box2: name one"):
        commands.output_as_remembered(lab, remembered, "solo", "echo 7", "件数")
    with pytest.raises(FeatureError, match="no output remembered as '在庫' on box: a step like"):
        commands.output_as_remembered(lab, remembered, "box", "echo 7", "在庫")


def test_nothing_to_remember_is_nothing_at_stake(lab, remembered):
    with pytest.raises(NothingAtStake) as caught:
        commands.remember_output(lab, remembered, "box", "true", "件数")
    assert one_line(caught.value) == (
        "nothing at stake: 0 lines of output from `true` on box to remember as '件数', so the check would "
        "check nothing (an error of the test, not a pass)"
    )
    assert fails(commands.remember_output, lab, remembered, "box", "echo x; exit 3", "件数") == (
        "box: `echo x; exit 3` exited 3, expected 0 to remember its output as '件数' (stderr: (empty))"
    )
    assert not remembered.outputs


# --- nothing at stake ---------------------------------------------------------------------

FORMS = Forms(
    base="https://fip", login="/login", page="/page", user_field="u", pass_field="p", memo_field="memo", token_field="t"
)


def test_nothing_at_stake_is_an_error_of_its_own_kind():
    assert issubclass(NothingAtStake, OatError) and not issubclass(NothingAtStake, AssertionError)
    assert (NothingAtStake.kind, NothingAtStake.exit_code) == ("stake", 9)
    assert at_stake(3, "acknowledged saves") == 3
    with pytest.raises(
        NothingAtStake, match="^nothing at stake: 0 acknowledged saves, so the check would check nothing"
    ):
        at_stake(0, "acknowledged saves")


def test_an_invariant_checker_with_no_acknowledged_write_raises_it():
    client = AppendClient(FORMS, "u", "p", "ca")
    with pytest.raises(NothingAtStake, match="^nothing at stake: 0 saves acknowledged to the append client"):
        client.verdict("1\n2\n")
    client.acknowledged = [1, 2, 4]
    client.saved_by = {1: (100.0, "node1"), 2: (101.0, "node1"), 4: (112.0, "node2")}
    assert client.verdict("1\n2\n") == [4]  # a loss is a loss
    assert client.verdict("1\n2\n4\n", fault_at=103.0) == []  # 1 and 2 were at stake before the fault
    with pytest.raises(NothingAtStake, match="0 saves acknowledged by node1 in the 5 s before the fault"):
        client.verdict("1\n2\n4\n", fault_at=110.0, node="node1")  # the last two before it failed


def test_a_bounded_wait_does_not_wait_for_a_stake():
    def empty_invariant():
        at_stake(0, "writes")

    started = time.monotonic()
    with pytest.raises(NothingAtStake):
        within(empty_invariant)(seconds=30)
    assert time.monotonic() - started < 2


STAKES = """
from oat.errors import at_stake

def test_a_check_with_nothing_at_stake():
    at_stake(0, "acknowledged saves")

def test_a_check_that_holds():
    pass
"""


def test_a_run_that_failed_only_for_want_of_a_stake_exits_9(pytester, monkeypatch):
    monkeypatch.setenv("PYTHONPATH", str(ROOT))
    pytester.makepyfile(test_stakes=STAKES)
    args = ("-p", "no:oat", "-p", "oat.plugin.stakes", "-p", "no:cacheprovider")
    result = pytester.runpytest_subprocess(*args)
    result.assert_outcomes(passed=1, failed=1)
    assert result.ret == 9
    pytester.makepyfile(test_broken="def test_a_failed_check():\n    assert 1 == 2\n")
    assert pytester.runpytest_subprocess(*args).ret == 1  # a failed check says more


# --- a status seen in its failing value ------------------------------------------------


def test_a_command_that_must_fail(lab):
    commands.command_fails(lab, "箱", "exit 3")
    commands.exit_status_nonzero(commands.run_command(lab, "box", "ls /nonexistent-oat"))
    assert fails(commands.command_fails, lab, "box", "echo fine") == (
        "box: `echo fine` exited 0, expected a failure (non-zero); stdout: fine"
    )
    assert fails(commands.command_fails, lab, "box", "oat-no-such-command").startswith(
        "box: `oat-no-such-command` exited 127 (command not found): it did not run, so its failure proves nothing"
    )
    assert fails(commands.exit_status_nonzero, commands.run_command(lab, "箱", "true")) == (
        "box: `true` exited 0, expected a failure (non-zero); stdout: (empty); "
        "box2: `true` exited 0, expected a failure (non-zero); stdout: (empty)"
    )
    assert "exited 126 (not executable)" in fails(
        commands.exit_status_nonzero, commands.run_command(lab, "box", "/etc")
    )


# --- a line appended to a file since a point ---------------------------------------------


def test_a_line_written_before_the_mark_does_not_count(lab, remembered, tmp_path):
    log = tmp_path / "app.log"
    log.write_text("2024-01-01 ready (written at install)\n")
    files.file_contains(lab, "box", str(log), "ready")  # the plain check passes on the old line
    files.remember_file_end(lab, remembered, "box", str(log))
    with log.open("a") as out:
        out.write("promoted\n")
    assert fails(files.file_appended, lab, remembered, "box", str(log), "ready") == (
        f"box: {log} has no line with 'ready' written since its end was remembered (9 bytes since); "
        "it has one from before: 2024-01-01 ready (written at install)"
    )
    with log.open("a") as out:
        out.write("ready to accept connections\n")
    files.file_appended(lab, remembered, "box", str(log), "ready")


def test_a_file_replaced_truncated_or_made_after_the_mark_is_read_whole(lab, remembered, tmp_path):
    rotated, truncated, later = (tmp_path / n for n in ("rotated.log", "truncated.log", "later.log"))
    for path in (rotated, truncated):
        path.write_text("ready, long ago, in a line longer than what follows\n")
    for path in (rotated, truncated, later):
        files.remember_file_end(lab, remembered, "box", str(path))
    rotated.rename(tmp_path / "rotated.log.1")
    rotated.write_text("ready\n")  # a new file under the name: another inode
    truncated.write_text("ready\n")  # the same file, shorter than at the mark
    later.write_text("ready\n")
    for path in (rotated, truncated, later):
        files.file_appended(lab, remembered, "box", str(path), "ready")
    later.unlink()
    assert fails(files.file_appended, lab, remembered, "box", str(later), "ready") == (
        f"box: {later} is nothing, expected a file with 'ready' appended"
    )
    with pytest.raises(FeatureError, match=f"the end of {tmp_path}/other.log on box was not remembered"):
        files.file_appended(lab, remembered, "box", str(tmp_path / "other.log"), "ready")


def test_within_waits_for_the_line_to_be_appended(lab, remembered, tmp_path):
    log = tmp_path / "app.log"
    log.write_text("ready\n")
    files.remember_file_end(lab, remembered, "箱", str(log))
    threading.Timer(1.2, lambda: log.open("a").write("ready again\n")).start()
    within(files.file_appended)(seconds=10, lab=lab, remembered=remembered, server="箱", path=str(log), text="ready")


# --- a journal entry logged since a point -------------------------------------------------

JOURNALCTL = '''#!{python}
"""A journalctl for the tests: entries `REALTIME|UNIT|MESSAGE` from {entries}; the options oat uses."""
import sys
args, entries = sys.argv[1:], []
for line in open("{entries}", encoding="utf-8").read().splitlines():
    at, unit, message = line.split("|", 2)
    entries.append((len(entries) + 1, float(at), unit, message))


def option(name):
    return args[args.index(name) + 1] if name in args else None


if "--show-cursor" in args and option("-n") == "0":
    if not entries:
        print("-- No entries --")
        sys.exit("No journal files were found.")
    print(f"-- cursor: s=stand-in;i={{entries[-1][0]}}")
    sys.exit(0)
after, since, unit = option("--after-cursor"), option("--since"), option("-u")
if after is not None:
    if not after.startswith("s=stand-in;i="):
        sys.exit("Failed to seek to cursor: Invalid argument")
    entries = [e for e in entries if e[0] > int(after.split("i=")[1])]
if since is not None:
    entries = [e for e in entries if e[1] >= float(since.lstrip("@"))]
for _, _, of, message in entries:
    if unit in (None, of):
        print(message)
'''


@pytest.fixture
def entries(tools, tmp_path):
    """The stand-in journal: returns a function that logs a message of a unit (now, or at)."""
    path = tmp_path / "journal"
    path.write_text("")
    _program(tools, "journalctl", JOURNALCTL.format(python=sys.executable, entries=path))

    def log(unit: str, message: str, at: float | None = None) -> None:
        with path.open("a", encoding="utf-8") as out:
            out.write(f"{time.time() if at is None else at}|{unit}|{message}\n")

    return log


def test_an_entry_logged_before_the_mark_does_not_count(lab, remembered, entries):
    entries("db.service", "database system is ready to accept connections")  # at install
    journal.remember_journal(lab, remembered, "box")
    assert remembered.cursors == {"box": "s=stand-in;i=1"}
    entries("db.service", "received promote request")
    entries("other.service", "database system is ready to accept connections")
    assert fails(journal.journal_after_mark, lab, remembered, "box", "db.service", "is ready") == (
        "box: no entry of db.service with 'is ready' after the remembered position (1 entries of it since); "
        "there is one from before: database system is ready to accept connections"
    )
    entries("db.service", "database system is ready to accept connections")
    journal.journal_after_mark(lab, remembered, "box", "db.service", "is ready")


def test_an_empty_journal_at_the_mark_makes_every_later_entry_count(lab, remembered, entries):
    journal.remember_journal(lab, remembered, "箱")
    assert remembered.cursors == {"box": "", "box2": ""}
    assert "no entry of db.service with 'ready' after the remembered position (0 entries" in fails(
        journal.journal_after_mark, lab, remembered, "box", "db.service", "ready"
    )
    entries("db.service", "ready")
    journal.journal_after_mark(lab, remembered, "箱", "db.service", "ready")
    with pytest.raises(FeatureError, match="the journal's position on solo was not remembered"):
        journal.journal_after_mark(lab, remembered, "solo", "db.service", "ready")
    remembered.cursors["box"] = "s=elsewhere"
    assert fails(journal.journal_after_mark, lab, remembered, "box", "db.service", "ready") == (
        "box: journalctl cannot read the journal of db.service after the remembered position: "
        "Failed to seek to cursor: Invalid argument"
    )


def _scenario_start(lab, *steps: str):
    """What the hook takes before a scenario of these steps' first step (None: nothing)."""
    request = SimpleNamespace(getfixturevalue=lambda name: lab, node=SimpleNamespace(stash=pytest.Stash()))
    journal.pytest_bdd_before_scenario(request, None, SimpleNamespace(steps=[SimpleNamespace(name=s) for s in steps]))
    return request.node.stash.get(journal.scenario_start_key, None)


def test_an_entry_logged_before_the_scenario_began_does_not_count(lab, entries):
    entries("db.service", "ready (before the scenario)")
    assert _scenario_start(lab, '"box" でコマンド "true" が成功する') is None  # no such step: no command either
    start = _scenario_start(
        lab,
        '"box" でコマンド "true" が成功する',
        '30 秒以内に "箱" のジャーナルにユニット "db.service" の "ready" がシナリオの開始後に出ている',
        '"solo" のジャーナルにユニット "x.service" の "y" がシナリオの開始後に出ている',
    )
    assert start.cursors == {"box": "s=stand-in;i=1", "box2": "s=stand-in;i=1", "solo": "s=stand-in;i=1"}
    assert fails(journal.journal_since_scenario, lab, start, "box", "db.service", "ready") == (
        "box: no entry of db.service with 'ready' since the scenario began (0 entries of it since); "
        "there is one from before: ready (before the scenario)"
    )
    entries("db.service", "ready (in the scenario)")
    journal.journal_since_scenario(lab, start, "箱", "db.service", "ready")
    empty = journal.ScenarioStart({})
    with pytest.raises(FeatureError, match="no journal cursor of box was taken at the scenario's start"):
        journal.journal_since_scenario(lab, empty, "box", "db.service", "ready")


# --- through pytest-bdd: the fixtures, the scenario's start, across scenarios -------------

CONFTEST = """
import pytest
from oat.record.evidence import Masker, Recorder
from tests.oat.vocabulary.test_generic_steps import LocalLab

pytest_plugins = ["oat.vocabulary.commands", "oat.vocabulary.files", "oat.vocabulary.journal",
                  "oat.vocabulary.remembered", "oat.plugin.stakes"]


@pytest.fixture(scope="session")
def lab():
    return LocalLab(Recorder(Masker()))
"""

FEATURE = """# language: ja
機能: 前と後
  シナリオ: 事象の前に記録する
    もし "box" でコマンド "cat {folder}/count" の出力を "件数" として記録する
    かつ "box" のファイル "{folder}/app.log" の末尾を記録する
    かつ "box" のジャーナルの位置を記録する

  シナリオ: 事象の後で読む
    もし "box" でコマンド "echo promoted >> {folder}/app.log" を実行する
    かつ "box" でコマンド "echo $(date +%s.%N)'|db.service|promoted' >> {folder}/journal" を実行する
    ならば "box" でコマンド "cat {folder}/count" の出力が記録した "件数" と同じである
    かつ "box" のファイル "{folder}/app.log" に記録した後で "promoted" が追記されている
    かつ "box" のジャーナルにユニット "db.service" の "promoted" が記録の後で出ている
    かつ "box" のジャーナルにユニット "db.service" の "promoted" がシナリオの開始後に出ている
    かつ "box" でコマンド "cat {folder}/none" が失敗する

  シナリオ: 前の行では足りない
    ならば "box" のジャーナルにユニット "db.service" の "promoted" がシナリオの開始後に出ている
"""


def test_the_sentences_through_pytest_bdd(pytester, monkeypatch, tmp_path, tools, entries):
    monkeypatch.setenv("PYTHONPATH", str(ROOT))
    (tmp_path / "count").write_text("3\n")
    (tmp_path / "app.log").write_text("promoted (an old line)\n")
    pytester.makeconftest(CONFTEST)
    pytester.makefile(".feature", since=FEATURE.replace("{folder}", str(tmp_path)))
    pytester.makepyfile(test_since='from pytest_bdd import scenarios\n\nscenarios("since.feature")\n')
    result = pytester.runpytest_subprocess("-p", "no:oat", "-p", "no:cacheprovider")
    result.assert_outcomes(passed=2, failed=1)
    result.stdout.fnmatch_lines(
        [
            "*AssertionError: box: no entry of db.service with 'promoted' since the scenario "
            "began*there is one from before: promoted"
        ]
    )


# --- hardware: the memory a server may use, not the machine's ------------------------------


def _cgroup_tree(tmp_path: Path, proc: str, limits: dict[str, str]) -> str:
    """The hardware check's cgroup walk, run on a fake /proc/1/cgroup and /sys/fs/cgroup."""
    (tmp_path / "cgroup").write_text(proc)
    for folder, value in limits.items():
        path = tmp_path / "sys" / folder
        path.mkdir(parents=True, exist_ok=True)
        (path / ("memory.max" if "memory/" not in folder + "/" else "memory.limit_in_bytes")).write_text(value)
    script = servers._CGROUP_MEMORY.replace("/proc/1/cgroup", str(tmp_path / "cgroup"))
    script = script.replace("/sys/fs/cgroup", str(tmp_path / "sys"))
    return subprocess.run(["sh", "-c", script], capture_output=True, text=True, check=True).stdout.strip()


def test_a_server_limited_below_the_machine_shows_its_limit_v1(tmp_path):
    proc = "4:memory:/docker/abc\n0::/docker/abc\n"
    limits = {"memory": "9223372036854771712", "memory/docker": "9223372036854771712", "memory/docker/abc": "134217728"}
    assert _cgroup_tree(tmp_path, proc, limits) == "134217728"


def test_a_server_limited_below_the_machine_shows_its_limit_v2(tmp_path):
    proc = "0::/system.slice/docker-abc.scope/init.scope\n"
    limits = {
        "system.slice": "max",
        "system.slice/docker-abc.scope": "268435456",
        "system.slice/docker-abc.scope/init.scope": "max",
    }
    assert _cgroup_tree(tmp_path, proc, limits) == "268435456"


def test_an_unlimited_server_has_no_limit(tmp_path):
    assert _cgroup_tree(tmp_path, "0::/\n", {}) == "max"


def test_the_hardware_check_fails_on_a_server_given_too_little_memory():
    answers = {"nproc": "2", "/proc/meminfo": str(24 * 1024 * 1024), "memory": str(128 * 1024 * 1024), "df": "9999999"}

    class Server:
        name = "console"

        def check(self, command, *args):
            return next(v for k, v in answers.items() if k in command) + "\n"

    lab = SimpleNamespace(
        topology=SimpleNamespace(procedure_servers=[SimpleNamespace(name="console")]), server=lambda name: Server()
    )
    with pytest.raises(AssertionError, match="console: only 128 MiB of memory"):
        servers.hardware_is_allocated(lab)
