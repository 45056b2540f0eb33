"""console.yml: the shipped defaults, and one line naming file and key for each mistake."""

from __future__ import annotations

import pytest

from console_tree import TREE
from tengine_console.cli import serve
from tengine_console.config import ConfigError, load

GOOD = """\
web: {bind: 0.0.0.0, port: 443, cert: /c.crt, key: /c.key}
db: {host: db, port: 5432, database: tengine, user: tengine, password: ""}
session: {timeout: 3600}
"""


def write(tmp_path, text: str):
    path = tmp_path / "console.yml"
    path.write_text(text)
    return path


def test_the_shipped_file_holds_the_contract_defaults():
    config = load(TREE / "etc" / "tengine" / "console.yml")
    assert (config.web.bind, config.web.port) == ("0.0.0.0", 443)
    assert config.web.cert == "/etc/tengine/console/server.crt"
    assert config.web.key == "/etc/tengine/console/server.key"
    assert (config.db.host, config.db.port, config.db.database, config.db.user, config.db.password) == (
        "localhost",
        5432,
        "tengine",
        "tengine",
        "",
    )
    assert config.db.address == "localhost:5432"
    assert config.session_timeout == 3600


@pytest.mark.parametrize(
    "old, new, message",
    [
        ("port: 5432", "port: abc", "db.port: expected an integer, got 'abc'"),
        ("port: 443", "port: 70000", "web.port: expected a port number (1-65535), got 70000"),
        ("cert: /c.crt, ", "", "missing key web.cert"),
        ('password: ""', "password: 1234", "db.password: expected a string, got 1234"),
        ("timeout: 3600", "timeout: 3600, idle: 5", "session.idle: unknown key"),
        ("session: {timeout: 3600}", "session: 3600", "session: expected a mapping, got 3600"),
        (GOOD, "", "missing key web"),
    ],
)
def test_a_bad_value_names_file_and_key(tmp_path, old, new, message):
    assert old in GOOD
    path = write(tmp_path, GOOD.replace(old, new))
    with pytest.raises(ConfigError) as error:
        load(path)
    assert str(error.value) == f"{path}: {message}"


def test_invalid_yaml_names_line_and_column(tmp_path):
    path = write(tmp_path, "web:\n  bind: 0.0.0.0\n   port: 443\n")
    with pytest.raises(ConfigError) as error:
        load(path)
    assert str(error.value).startswith(f"{path}: not valid YAML (line 3, column 8: ")


def test_a_bad_config_exits_2_with_one_line_before_anything_starts(tmp_path, capsys):
    missing = tmp_path / "x.yml"
    assert serve(["-f", str(missing)]) == 2
    assert capsys.readouterr().err == f"tengine_console: {missing}: no such file\n"
    path = write(tmp_path, GOOD.replace("port: 5432", "port: abc"))
    log = tmp_path / "console.log"
    assert serve(["-f", str(path), "--log", str(log)]) == 2
    assert capsys.readouterr().err == (f"tengine_console: {path}: db.port: expected an integer, got 'abc'\n")
    assert not log.exists()


def test_a_missing_certificate_is_a_config_error_naming_the_key(tmp_path, capsys):
    path = write(tmp_path, GOOD.replace("port: 443", "port: 8443"))
    log = tmp_path / "console.log"
    assert serve(["-f", str(path), "--log", str(log)]) == 2
    line = f"{path}: web.cert: cannot read /c.crt (No such file or directory)"
    assert capsys.readouterr().err == f"tengine_console: {line}\n"
    assert f"ERROR start failed: {line}" in log.read_text()
