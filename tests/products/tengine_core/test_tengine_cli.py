"""The commands as the operator runs them: exit status and the one line they print."""

from __future__ import annotations

import subprocess
import sys

import pytest

from tengine_tree import TREE
from tengine_core import cli
from tengine_core.errors import ServerError
from tengine_core.store import Execution
from tengine_fakes import JN_HELLO, FakeBus, FakeStore, connector

BIN = TREE / "usr" / "bin"


@pytest.fixture
def config_file(tmp_path):
    def write(extra: str = "") -> str:
        path = tmp_path / "tengined.yml"
        path.write_text("db: {host: 127.0.0.1}\nevent_queue: {connection: {host: 127.0.0.1}}\n" + extra)
        return str(path)

    return write


def run(program: str, *args: str) -> subprocess.CompletedProcess:
    # This venv's python: the scripts' /usr/bin/python3 may have no PyYAML here.
    return subprocess.run([sys.executable, str(BIN / program), *args], capture_output=True, text=True, timeout=30)


def test_a_bad_config_is_one_line_on_stderr_and_exit_2(tmp_path):
    path = tmp_path / "tengined.yml"
    path.write_text("db: {port: 5432}\nevent_queue: {connection: {host: mq1}}\n")
    result = run("tengined", "-k", "test", "-f", str(path))
    assert (result.returncode, result.stdout) == (2, "")
    assert result.stderr == f"tengined: {path}: missing key db.host\n"


def test_tengine_fire_with_a_missing_config(tmp_path):
    result = run("tengine_fire", "-f", str(tmp_path / "x.yml"), "foo")
    assert (result.returncode, result.stderr) == (2, f"tengine_fire: {tmp_path}/x.yml: no such file\n")


def test_jobtest_without_job_servers(config_file, capsys):
    path = config_file()
    assert cli.tengined(["-k", "jobtest", "-f", path]) == 1
    assert capsys.readouterr().out == f"Connection jobtest failure: [no job_servers in {path}]\n"


@pytest.mark.parametrize(
    "args, message",
    [
        (["-k", "run"], "-k run needs the jobnet's NAME"),
        (["-k", "test", "jn_hello"], "NAME is for -k run only, not -k test"),
        (["jn_hello"], "NAME is for -k run only, not -k start"),
    ],
    ids=["run-without-name", "name-for-test", "name-for-start"],
)
def test_a_jobnet_name_goes_with_run_only(config_file, capsys, args, message):
    with pytest.raises(SystemExit) as raised:
        cli.tengined([*args, "-f", config_file()])
    assert raised.value.code == 2 and message in capsys.readouterr().err


@pytest.mark.parametrize("status, code", [("success", 0), ("error", 1)])
def test_run_prints_the_execution_and_the_failed_jobs(config_file, capsys, monkeypatch, status, code):
    jobs = {"j1": {"status": status, "server": "job1", "cause": "exit status 3"}}
    execution = Execution(7, "jn_hello", status, None, None, {"jobs": jobs})
    monkeypatch.setattr(cli.run, "run", lambda config, name: execution)
    assert cli.tengined(["-k", "run", "-f", config_file(), "jn_hello"]) == code
    out, err = capsys.readouterr()
    assert out == f"jobnet jn_hello execution 7: {status}\n"
    assert err == ("" if code == 0 else "tengined: jobnet jn_hello execution 7: job j1 on job1: exit status 3\n")


def test_the_test_start_prints_its_line(config_file, capsys, monkeypatch):
    monkeypatch.setattr(cli.connection_test, "run", lambda config: (1, "Connection test failure: [x]"))
    assert cli.tengined(["-k", "test", "-f", config_file()]) == 1
    assert capsys.readouterr().out == "Connection test failure: [x]\n"


def test_load_stores_the_jobnets_and_says_so(config_file, tmp_path, repository, capsys, monkeypatch):
    revision = repository.push({"jobnets/jn_hello.yml": JN_HELLO})
    store = FakeStore()
    monkeypatch.setattr(cli.store, "connect", connector(store))
    path = config_file(f"tengined: {{load_path: {tmp_path}/load, scm: {{url: {repository.url}}}}}\n")
    assert cli.tengined(["-k", "load", "-f", path]) == 0
    assert capsys.readouterr().out == f"loaded 1 jobnets from {repository.url} at {revision}\n"
    assert store.jobnets["jn_hello"][1] == revision and store.has_schema and store.closed


def test_load_with_an_unreachable_scm(config_file, tmp_path, capsys):
    url = f"{tmp_path}/gone.git"
    path = config_file(f"tengined: {{load_path: {tmp_path}/load, scm: {{url: {url}}}}}\n")
    assert cli.tengined(["-k", "load", "-f", path]) == 1
    assert capsys.readouterr().err == (
        f"tengined: cannot fetch jobnet definitions from {url}: fatal: repository '{url}' does not exist\n"
    )


def test_load_without_an_scm(config_file, capsys):
    path = config_file()
    assert cli.tengined(["-k", "load", "-f", path]) == 1
    assert capsys.readouterr().err == (f"tengined: {path}: tengined.scm.url is empty: no SCM to load jobnets from\n")


def test_tengine_fire_publishes_one_event_and_prints_its_key(config_file, capsys, monkeypatch):
    bus = FakeBus()
    monkeypatch.setattr(cli.bus, "connect", connector(bus))
    assert cli.tengine_fire(["-f", config_file(), "oat_probe", "oat:probe", "url:http://x:80"]) == 0
    [event] = bus.published
    assert capsys.readouterr().out == f"{event.key}\n"
    assert (event.event_type_name, event.properties) == ("oat_probe", {"oat": "probe", "url": "http://x:80"})
    assert event.source_name.endswith("/tengine_fire") and bus.declared and bus.closed


def test_tengine_fire_names_a_queue_that_does_not_answer(config_file, capsys, monkeypatch):
    down = ServerError("event_queue", "127.0.0.1:5672", "connection refused")
    monkeypatch.setattr(cli.bus, "connect", connector(down))
    assert cli.tengine_fire(["-f", config_file(), "foo"]) == 1
    assert capsys.readouterr().err == (
        "tengine_fire: cannot fire foo: event_queue 127.0.0.1:5672: connection refused\n"
    )


def test_tengine_fire_refuses_a_property_without_a_colon(config_file, capsys):
    with pytest.raises(SystemExit) as raised:
        cli.tengine_fire(["-f", config_file(), "foo", "oops"])
    assert raised.value.code == 2
    assert "'oops': expected key:value" in capsys.readouterr().err
