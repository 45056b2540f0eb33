"""tengined.yml: defaults, and one-line errors naming the file and the key."""

from __future__ import annotations

import pytest

from tengine_tree import TREE
from tengine_core.config import Config, Db, EventQueue, JobServer, QueueConnection, load
from tengine_core.errors import ConfigError

MINIMAL = "db: {host: db1}\nevent_queue: {connection: {host: mq1}}\n"


def write(tmp_path, text: str):
    path = tmp_path / "tengined.yml"
    path.write_text(text, encoding="utf-8")
    return path


def error_of(path) -> str:
    with pytest.raises(ConfigError) as raised:
        load(path)
    return str(raised.value)


def test_the_shipped_file_holds_the_contract_defaults():
    shipped = load(TREE / "etc" / "tengine" / "tengined.yml")
    assert shipped == Config(db=Db(host="localhost"), event_queue=EventQueue(QueueConnection(host="localhost")))
    assert shipped.event_queue.connection.password == "guest"  # the key `pass`
    assert shipped.tengined.scm.url == "" and shipped.process.pid_dir == "/run/tengine"


def test_absent_keys_take_the_defaults(tmp_path):
    config = load(write(tmp_path, MINIMAL + "db: {host: db1, port: 6432, password: s3cret}\n"))
    assert (config.db.host, config.db.port, config.db.password) == ("db1", 6432, "s3cret")
    assert config.db.database == "tengine" and config.event_queue.connection.port == 5672
    assert config.event_queue.exchange.name == "tengine_event_exchange"
    assert config.tengined.load_path == "/var/lib/tengine/jobnets"
    assert config.log_common.level == "info"


def test_keys_of_the_original_that_the_reference_does_not_use_are_ignored(tmp_path):
    config = load(write(tmp_path, MINIMAL + "heartbeat: {core: {interval: 30}}\n"))
    assert config.db.host == "db1"


def test_a_missing_file(tmp_path):
    assert error_of(tmp_path / "x.yml") == f"{tmp_path}/x.yml: no such file"


def test_not_valid_yaml_names_line_and_column(tmp_path):
    path = write(tmp_path, "db:\n  host: a\n  port: : 5\n")
    assert error_of(path) == (f"{path}: not valid YAML (line 3, column 9: mapping values are not allowed here)")


@pytest.mark.parametrize(
    "text, problem",
    [
        ("event_queue: {connection: {host: mq1}}\n", "missing key db.host"),
        ("db: {host: db1}\nevent_queue: {connection: {port: 5672}}\n", "missing key event_queue.connection.host"),
        (
            "db: {host: db1, port: abc}\nevent_queue: {connection: {host: mq1}}\n",
            "db.port: expected an integer, got 'abc'",
        ),
        (
            "db: {host: db1, port: 70000}\nevent_queue: {connection: {host: mq1}}\n",
            "db.port: expected a port number (1-65535), got 70000",
        ),
        (
            "db: {host: db1, password: 1234}\nevent_queue: {connection: {host: mq1}}\n",
            "db.password: expected a string, got 1234",
        ),
        (MINIMAL + "process: {daemon: 'no'}\n", "process.daemon: expected true or false, got 'no'"),
        (
            MINIMAL + "event_queue: {connection: {host: mq1, port: true}}\n",
            "event_queue.connection.port: expected an integer, got true",
        ),
        (
            MINIMAL + "log_common: {level: verbose}\n",
            "log_common.level: expected one of debug, info, warn, error, fatal, got 'verbose'",
        ),
        (MINIMAL + "tengined: [a, b]\n", "tengined: expected a mapping, got a list"),
        ("- db\n", "expected a mapping of sections, got a list"),
    ],
    ids=[
        "db.host",
        "event_queue.connection.host",
        "port-type",
        "port-range",
        "password-type",
        "bool",
        "bool-as-int",
        "level",
        "section-type",
        "top-type",
    ],
)
def test_a_wrong_key_is_named_in_one_line(tmp_path, text, problem):
    path = write(tmp_path, text)
    message = error_of(path)
    assert message == f"{path}: {problem}"
    assert "\n" not in message


# --- job_servers ---------------------------------------------------------------------------


def test_job_servers_are_optional_and_take_the_defaults_and_the_scms_key(tmp_path):
    assert load(write(tmp_path, MINIMAL)).job_servers == ()
    config = load(
        write(
            tmp_path,
            MINIMAL
            + (
                "tengined: {scm: {ssh_key: /k/scm_key, known_hosts: /k/scm_hosts}}\n"
                "job_servers:\n"
                "  - {name: job1, host: 10.231.10.14}\n"
                "  - {name: job2, host: job2.lab, port: 2202, user: ops, ssh_key: /k/job2,"
                " known_hosts: /k/job2_hosts}\n"
            ),
        )
    )
    assert config.job_servers == (
        JobServer(
            name="job1", host="10.231.10.14", port=22, user="tengine", ssh_key="/k/scm_key", known_hosts="/k/scm_hosts"
        ),
        JobServer(name="job2", host="job2.lab", port=2202, user="ops", ssh_key="/k/job2", known_hosts="/k/job2_hosts"),
    )
    assert config.job_server("job2").address == "job2.lab:2202"
    assert config.job_server("job9") is None


def test_a_job_server_made_in_code_gets_the_scms_defaults_too():
    config = Config(
        db=Db(host="db1"),
        event_queue=EventQueue(QueueConnection(host="mq1")),
        job_servers=(JobServer(name="job1", host="h"),),
    )
    assert config.job_servers[0].ssh_key == "/etc/tengine/ssh/id_ed25519"
    assert config.job_servers[0].known_hosts == "/etc/tengine/ssh/known_hosts"


@pytest.mark.parametrize(
    "text, problem",
    [
        ("job_servers:\n  - {name: job1}\n", "missing key job_servers[0].host"),
        ("job_servers:\n  - {name: job1, host: h}\n  - {host: h2}\n", "missing key job_servers[1].name"),
        ("job_servers:\n  - {name: job1, host: h, port: ssh}\n", "job_servers[0].port: expected an integer, got 'ssh'"),
        (
            "job_servers:\n  - {name: job1, host: h, port: 0}\n",
            "job_servers[0].port: expected a port number (1-65535), got 0",
        ),
        ("job_servers:\n  - {name: job1, host: ''}\n", "job_servers[0].host: must not be empty"),
        ("job_servers:\n  - {name: job1, host: h, ssh_key: ''}\n", "job_servers[0].ssh_key: must not be empty"),
        ("job_servers:\n  - job1\n", "job_servers[0]: expected a mapping, got 'job1'"),
        ("job_servers: {name: job1, host: h}\n", "job_servers: expected a list, got a mapping"),
        (
            "job_servers:\n  - {name: job1, host: h}\n  - {name: job1, host: h2}\n",
            "job_servers[1].name: 'job1' is the name of job_servers[0] already",
        ),
    ],
    ids=["host", "name", "port-type", "port-range", "empty-host", "empty-key", "entry-type", "list-type", "twice"],
)
def test_a_wrong_job_server_key_is_named_with_its_index(tmp_path, text, problem):
    path = write(tmp_path, MINIMAL + text)
    assert error_of(path) == f"{path}: {problem}"
