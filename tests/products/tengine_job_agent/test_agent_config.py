"""tengine_job_agent.yml: where it is looked for, its defaults, and one-line errors naming the
file and the key."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from agent_tree import TREE
from tengine_job_agent.config import SEARCH_PATH, find, load
from tengine_job_agent.errors import ConfigError

MINIMAL = "connection: {host: mq1}\n"


def test_the_search_path_is_the_contracts():
    assert SEARCH_PATH == ("./tengine_job_agent.yml", "./config/tengine_job_agent.yml", "/etc/tengine_job_agent.yml")


@pytest.fixture
def places(tmp_path, monkeypatch) -> tuple[Path, ...]:
    """The three places, with the third (/etc) under tmp_path; each holds a file."""
    monkeypatch.chdir(tmp_path)
    etc = tmp_path / "etc" / "tengine_job_agent.yml"
    found = (tmp_path / "tengine_job_agent.yml", tmp_path / "config" / "tengine_job_agent.yml", etc)
    for path in found:
        path.parent.mkdir(exist_ok=True)
        path.write_text(MINIMAL)
    return found


def test_the_first_file_found_wins(places):
    search = (*SEARCH_PATH[:2], str(places[2]))
    for place in places:
        assert find(None, search) == place
        place.unlink()
    with pytest.raises(ConfigError) as error:
        find(None, search)
    assert str(error.value) == f"no config file: none of {', '.join(search)}"


def test_dash_c_overrides_the_search(places, tmp_path):
    other = tmp_path / "other.yml"
    other.write_text("connection: {host: mq2}\n")
    config = load(str(other), (*SEARCH_PATH[:2], str(places[2])))
    assert (config.path, config.queue.host) == (other, "mq2")


def test_a_relative_file_is_kept_absolute_for_the_watchdog(places):
    config = load("tengine_job_agent.yml")
    assert config.path == places[0] and config.path.is_absolute()


def test_dash_c_naming_no_file(tmp_path):
    with pytest.raises(ConfigError) as error:
        load(str(tmp_path / "x.yml"))
    assert str(error.value) == f"{tmp_path}/x.yml: no such file"


def test_the_defaults_are_the_contracts(tmp_path):
    path = tmp_path / "agent.yml"
    path.write_text(MINIMAL)
    config = load(str(path))
    queue = config.queue
    assert (queue.host, queue.port, queue.vhost, queue.user, queue.password) == ("mq1", 5672, "/", "guest", "guest")
    assert (queue.exchange, queue.exchange_type, queue.exchange_durable, queue.name) == (
        "tengine_event_exchange",
        "direct",
        True,
        "tengine_event_queue",
    )
    assert (config.heartbeat_interval, config.log_dir) == (5, Path("/var/log/tengine_job_agent"))
    assert queue.address == "mq1:5672"


def test_the_packages_conffile_says_the_contracts_values():
    config = load(str(TREE / "etc" / "tengine_job_agent.yml"))
    assert (config.queue.address, config.queue.vhost, config.queue.user, config.queue.password) == (
        "localhost:5672",
        "/",
        "guest",
        "guest",
    )
    assert (config.queue.exchange, config.queue.exchange_type, config.queue.name) == (
        "tengine_event_exchange",
        "direct",
        "tengine_event_queue",
    )
    assert (config.heartbeat_interval, str(config.log_dir)) == (5, "/var/log/tengine_job_agent")


@pytest.mark.parametrize(
    "text, message",
    [
        ("connection: {host: mq1, port: abc}", "connection.port: expected an integer, got 'abc'"),
        ("connection: {port: 5672}", "missing key connection.host"),
        ("", "missing key connection.host"),
        ("connection: {host: ''}", "connection.host: must not be empty"),
        ("connection: {host: mq1, port: 70000}", "connection.port: expected a port number (1-65535), got 70000"),
        ("connection: {host: mq1, pass: 1234}", "connection.pass: expected a string, got 1234"),
        ("connection: {host: mq1, port: true}", "connection.port: expected an integer, got true"),
        ("connection: mq1", "connection: expected a mapping, got 'mq1'"),
        (
            "connection: {host: mq1}\nexchange: {type: fast}",
            "exchange.type: expected one of direct, fanout, topic, headers, got 'fast'",
        ),
        ("connection: {host: mq1}\nexchange: {durable: 'yes'}", "exchange.durable: expected true or false, got 'yes'"),
        (
            "connection: {host: mq1}\nheartbeat: {job: {interval: 0}}",
            "heartbeat.job.interval: expected a number of seconds above 0, got 0",
        ),
        ("connection: {host: mq1}\nheartbeat: {job: 5}", "heartbeat.job: expected a mapping, got 5"),
        ("connection: {host: mq1}\nlog_dir: [a]", "log_dir: expected a string, got a list"),
        ("- connection", "expected a mapping of sections, got a list"),
        ("connection: {host: mq1\nlog_dir: x", "not valid YAML (line 2, column 8: expected ',' or '}', but got ':')"),
    ],
)
def test_a_bad_config_names_the_file_and_the_key(tmp_path, text, message):
    path = tmp_path / "agent.yml"
    path.write_text(text)
    with pytest.raises(ConfigError) as error:
        load(str(path))
    assert str(error.value) == f"{path}: {message}"


def test_a_float_interval_is_taken(tmp_path):
    path = tmp_path / "agent.yml"
    path.write_text(MINIMAL + "heartbeat: {job: {interval: 0.5}}\n")
    assert load(str(path)).heartbeat_interval == 0.5


def test_the_commands_say_it_in_one_line_and_exit_2(tmp_path, command, agent_env):
    path = tmp_path / "agent.yml"
    path.write_text("connection: {host: mq1, port: abc}\n")
    result = subprocess.run(
        command("usr/bin/tengine_job_agent_run", "-c", str(path), "/bin/true"),
        env=agent_env,
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert (result.returncode, result.stdout) == (2, "")
    assert result.stderr == (f"tengine_job_agent_run: {path}: connection.port: expected an integer, got 'abc'\n")
