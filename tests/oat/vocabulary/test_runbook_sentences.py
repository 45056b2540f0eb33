"""The sentences a runbook lacked (issue 23, item 7), each made to pass and to fail on this
machine as a lab (tests/oat/vocabulary/test_generic_steps.py's LocalLab: box 127.0.0.2 and box2 127.0.0.3 of
role 箱, solo 127.0.0.4): the addresses a port is listened on, a connection held between
servers, a role of several servers wherever a server goes, a process by its command line, a
command's whole output, a command as the step's text, and SQL and its rows (a client that
records what it is given stands for psql).
"""

from __future__ import annotations

import http.server
import os
import shlex
import socket
import subprocess
import sys
import threading
from pathlib import Path
from types import SimpleNamespace

import pytest

from oat.errors import FeatureError
from oat.model.targets import TargetError
from oat.record.evidence import Masker, Recorder
from oat.vocabulary import commands, network, ports, processes, sql
from oat.vocabulary import http as web
from oat.vocabulary.checks import sentence, within
from tests.oat.vocabulary.test_generic_steps import ROOT, TOPOLOGY, LocalLab, Page, fails, free_port


@pytest.fixture(scope="module")
def lab() -> LocalLab:
    return LocalLab(Recorder(Masker()))


def parsed(pattern: str, text: str, types=None) -> dict:
    """The fields a step text gives the sentence (pytest-bdd's parser), or None when it does not match."""
    parser = sentence(pattern, types)
    return parser.parse_arguments(text) if parser.is_matching(text) else None


# --- a port listened on at exactly these addresses, or not at one -------------------------


@pytest.fixture
def two_addresses():
    """One TCP port listened on at 127.0.0.2 (box) and at 127.0.0.3 (box2), and nowhere else."""
    for _ in range(20):
        first, second = socket.socket(), socket.socket()
        first.bind(("127.0.0.2", 0))
        port = first.getsockname()[1]
        try:
            second.bind(("127.0.0.3", port))
        except OSError:
            first.close()
            second.close()
            continue
        for s in (first, second):
            s.listen()
        yield port
        first.close()
        second.close()
        return
    pytest.skip("no port free on both 127.0.0.2 and 127.0.0.3")


def test_a_list_of_quoted_addresses_is_one_field():
    only = '"{server:q}" が TCP ポート {port:d} を "{addresses:qs}" だけで待ち受けている'
    assert parsed(only, '"db" が TCP ポート 5432 を "127.0.0.1" と "primary" だけで待ち受けている') == {
        "server": "db",
        "port": 5432,
        "addresses": ("127.0.0.1", "primary"),
    }
    assert parsed(only, '"db" が TCP ポート 5432 を "0.0.0.0" だけで待ち受けている')["addresses"] == ("0.0.0.0",)
    assert parsed(only, '"db" が TCP ポート 5432 を "::1"、"a" と "b" だけで待ち受けている')["addresses"] == (
        "::1",
        "a",
        "b",
    )


def test_listening_on_exactly_these_addresses(lab, two_addresses):
    port = two_addresses
    ports.port_listening_only_on(lab, "box", port, ("127.0.0.2", "127.0.0.3"))
    ports.port_listening_only_on(lab, "box", port, ("box", "box2"))  # server names: their addresses
    ports.port_listening_only_on(lab, "solo", port, ("箱",))  # another role: each of its servers' address
    ports.port_listening_on(lab, "箱", "箱", port)  # each server of 箱 on its own address
    assert fails(ports.port_listening_only_on, lab, "box", port, ("127.0.0.2",)) == (
        f"box: TCP port {port} is listened on at 127.0.0.2:{port}, 127.0.0.3:{port}; expected only at 127.0.0.2"
    )
    assert fails(ports.port_listening_only_on, lab, "box", port, ("box", "box2", "solo")) == (
        f"box: TCP port {port} is listened on at 127.0.0.2:{port}, 127.0.0.3:{port}; "
        "expected only at 127.0.0.2, 127.0.0.3, 127.0.0.4"
    )
    # A role's own servers: each binds its own address, so here each has one too many.
    assert fails(ports.port_listening_only_on, lab, "箱", port, ("箱",)) == (
        f"box: TCP port {port} is listened on at 127.0.0.2:{port}, 127.0.0.3:{port}; expected only at 127.0.0.2; "
        f"box2: TCP port {port} is listened on at 127.0.0.2:{port}, 127.0.0.3:{port}; expected only at 127.0.0.3"
    )
    assert fails(ports.port_listening_on, lab, "box", "solo", port) == (
        f"box: TCP port {port} is not listened on at 127.0.0.4; it is at: 127.0.0.2:{port}, 127.0.0.3:{port}"
    )


def test_not_listening_on_an_address(lab, two_addresses):
    port = two_addresses
    ports.port_not_listening_on(lab, "box", port, ("127.0.0.4",))
    ports.port_not_listening_on(lab, "box", port, ("solo", "::1"))
    assert fails(ports.port_not_listening_on, lab, "box", port, ("127.0.0.4", "box2")) == (
        f"box: TCP port {port} accepts connections at 127.0.0.3, expected not; "
        f"it is listened on at 127.0.0.2:{port}, 127.0.0.3:{port}"
    )
    anywhere = socket.socket()
    anywhere.bind(("0.0.0.0", 0))
    anywhere.listen()
    wildcard = anywhere.getsockname()[1]
    try:  # 0.0.0.0 accepts at every IPv4 address
        assert fails(ports.port_not_listening_on, lab, "solo", wildcard, ("solo",)) == (
            f"solo: TCP port {wildcard} accepts connections at 127.0.0.4, expected not; "
            f"it is listened on at 0.0.0.0:{wildcard}"
        )
        ports.port_listening_only_on(lab, "solo", wildcard, ("0.0.0.0",))
    finally:
        anywhere.close()


# --- a connection held from one server to another's port -----------------------------------


@pytest.fixture
def connection():
    """A TCP port listened on at 127.0.0.2 (box), and a connection to it from 127.0.0.4 (solo)."""
    server, client = socket.socket(), socket.socket()
    server.bind(("127.0.0.2", 0))
    server.listen()
    client.bind(("127.0.0.4", 0))
    client.connect(server.getsockname())
    accepted, _ = server.accept()
    yield server.getsockname()[1], client.getsockname()[1]
    for s in (accepted, client, server):
        s.close()


def test_an_established_connection_from_one_server_to_another(lab, connection):
    port, local = connection
    network.connected_to(lab, "solo", "box", port)
    network.connected_to(lab, "solo", "127.0.0.2", port)
    network.not_connected_to(lab, "solo", "box2", port)
    network.not_connected_to(lab, "solo", "box", port + 1 if port < 65535 else port - 1)
    message = fails(network.connected_to, lab, "solo", "箱", port)  # every server of the role
    assert message.startswith(
        f"solo: no established TCP connection to box2 (127.0.0.3) port {port}; "
        f"its connections to port {port}: 127.0.0.4:{local} ⇄ 127.0.0.2:{port}"
    )
    assert "box (" not in message
    message = fails(network.not_connected_to, lab, "solo", "box", port)
    assert message.startswith(
        f"solo: 1 established TCP connection(s) to box port {port}, expected none: 127.0.0.4:{local} ⇄ 127.0.0.2:{port}"
    )


def test_a_connection_to_no_one(lab):
    port = free_port()
    assert fails(network.connected_to, lab, "solo", "box", port) == (
        f"solo: no established TCP connection to box (127.0.0.2) port {port}; its connections to port {port}: none"
    )


# --- a role of several servers where one server went before --------------------------------


def test_reachability_to_every_server_of_a_role(lab, two_addresses):
    port = two_addresses
    network.reachable(lab, "solo", "箱", port)
    network.reachable(lab, "箱", "箱", port)
    network.unreachable(lab, "solo", "一台", port)
    one = socket.socket()
    one.bind(("127.0.0.2", 0))
    one.listen()
    only_box = one.getsockname()[1]
    try:
        assert fails(network.reachable, lab, "solo", "箱", only_box) == (
            f"solo: cannot reach box2 (127.0.0.3) TCP port {only_box}"
        )
        assert fails(network.unreachable, lab, "箱", "箱", only_box) == (
            f"box: reaches box (127.0.0.2) TCP port {only_box}, expected no connection; "
            f"box2: reaches box (127.0.0.2) TCP port {only_box}, expected no connection"
        )
    finally:
        one.close()
    with pytest.raises(TargetError, match="target 'web': 'web' is not a server or role of lab 'here'"):
        network.reachable(lab, "solo", "web", port)


@pytest.fixture
def web_on_box():
    """An HTTP server on 127.0.0.2 (box) only; yields its port."""
    server = http.server.ThreadingHTTPServer(("127.0.0.2", 0), Page)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield server.server_address[1]
    server.shutdown()
    server.server_close()


def test_a_url_whose_host_is_a_role_is_asked_of_each_server(lab, web_on_box):
    port = web_on_box
    assert web.lab_urls(lab, "http://u:p@箱:81/x?y=1") == [
        "http://u:p@127.0.0.2:81/x?y=1",
        "http://u:p@127.0.0.3:81/x?y=1",
    ]
    assert web.lab_urls(lab, "http://box/") == ["http://127.0.0.2/"]
    request = SimpleNamespace(getfixturevalue=lambda name: pytest.fail("no lab CA for http"))
    recorder = Recorder(Masker())
    web.url_answers_status(request, lab, recorder, f"http://box:{port}/", 200)
    message = fails(web.url_answers_status, request, lab, recorder, f"http://箱:{port}/", 200)
    assert message.startswith(f"GET http://127.0.0.3:{port}/: no answer (ConnectionError")
    assert "127.0.0.2" not in message
    with pytest.raises(TargetError, match="role '箱' of lab 'here' has 2 servers"):  # one answer is kept
        web.fetch(lab, recorder, "http://箱/", True)


# --- a process by a text of its command line --------------------------------------------


@pytest.fixture
def marked():
    """A process with a text of its own in its command line; returns the text and the process."""
    text = f"oat-mark-{os.getpid()}"
    process = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)", text])
    yield text, process
    process.kill()
    process.wait()


def test_a_process_by_its_command_line(lab, marked):
    text, process = marked
    processes.command_line_runs(lab, "箱", text)
    processes.command_line_absent(lab, "box", text + "-other")
    assert fails(processes.command_line_absent, lab, "box", text) == (
        f"box: 1 process(es) run with '{text}' in their command line, expected none: "
        f"{process.pid} {sys.executable} -c import time; time.sleep(60) {text}"
    )
    process.kill()
    process.wait()
    processes.command_line_absent(lab, "box", text)
    assert fails(processes.command_line_runs, lab, "solo", text) == (
        f"solo: no process runs with '{text}' in its command line"
    )


def test_the_command_reading_the_command_lines_is_not_one_of_them(lab):
    processes.command_line_absent(lab, "box", processes.COMMAND_LINES.split("exec ")[1])


# --- a command's whole output, and what it lacks ------------------------------------------


def test_a_command_s_output_lacks_a_text(lab):
    commands.command_output_lacks(lab, "箱", "echo abc", "xyz")
    assert fails(commands.command_output_lacks, lab, "箱", "echo abc; echo def", "de") == (
        "box: the output of `echo abc; echo def` contains 'de', expected not: def; "
        "box2: the output of `echo abc; echo def` contains 'de', expected not: def"
    )
    # A command that failed, or did not run, lacks everything: that proves nothing.
    assert fails(commands.command_output_lacks, lab, "box", "oat-no-such-command", "x").startswith(
        "box: `oat-no-such-command` exited 127, expected 0 (stderr: "
    )


def test_a_command_s_output_is_a_text(lab):
    commands.command_output_is(lab, "box", "printf '  3\\n\\n'", "3")
    commands.command_output_is(lab, "box", "echo 'say \"hi\"'", 'say "hi"')
    assert fails(commands.command_output_is, lab, "box", "echo 2", "3") == "box: `echo 2` answered '2', expected '3'"
    assert fails(commands.command_output_is, lab, "box", "echo 3; exit 1", "3") == (
        "box: `echo 3; exit 1` exited 1, expected 0 (stderr: (empty); stdout: 3)"
    )
    one_shot = '"{server:q}" でコマンド "{command}" の出力が "{text}" である'
    assert parsed(one_shot, '"web" でコマンド "cat /etc/x" の出力が "a "b" c" である')["text"] == 'a "b" c'


# --- a command as the step's text -----------------------------------------------------------


def test_a_command_given_as_the_step_s_text(lab):
    commands.script_succeeds(lab, "箱", "test -d /\necho ok")
    commands.script_output_contains(lab, "box", "ok", "echo o\\\necho ok")
    assert fails(commands.script_succeeds, lab, "箱", "echo one\nfalse\necho two") == (
        "box: `echo one ⏎ false ⏎ echo two` exited 1, expected 0 (stderr: (empty); stdout: one); "
        "box2: `echo one ⏎ false ⏎ echo two` exited 1, expected 0 (stderr: (empty); stdout: one)"
    )
    assert fails(commands.script_output_contains, lab, "box", "three", "echo one\necho two") == (
        "box: the output of `echo one ⏎ echo two` lacks 'three' (exit 0); it was: one ⏎ two"
    )


def test_a_command_given_as_the_step_s_text_within_a_time(lab, tmp_path):
    flag = tmp_path / "flag"
    threading.Timer(1.2, flag.write_text, args=("up",)).start()
    within(commands.script_succeeds)(seconds=10, lab=lab, server="box", docstring=f"test -f {flag}\ncat {flag}")
    assert fails(within(commands.script_succeeds), seconds=1, lab=lab, server="box", docstring="false") == (
        "not within 1 s: box: `false` exited 1, expected 0 (stderr: (empty); stdout: (empty))"
    )


# --- SQL --------------------------------------------------------------------------------------


class FakeServer:
    """A server that records each command and answers with the next canned (exit, stdout, stderr)."""

    def __init__(self, name: str, *answers):
        self.name = name
        self.commands: list[str] = []
        self.answers = list(answers)

    def run(self, command: str):
        self.commands.append(command)
        rc, stdout, stderr = self.answers.pop(0) if self.answers else (0, "", "")
        return SimpleNamespace(rc=rc, stdout=stdout, stderr=stderr)


class FakeLab:
    """The test topology, with FakeServers."""

    def __init__(self, **servers: FakeServer):
        self.topology = TOPOLOGY
        self.servers = servers

    def server(self, name: str) -> FakeServer:
        return self.servers.setdefault(name, FakeServer(name))


PSQL = "cd / && printf '%s\\n' {sql} | runuser -u postgres -- psql -X -q -v ON_ERROR_STOP=1 --csv -d {database} -f -"


def test_the_clients_are_data():
    assert list(sql.clients()) == ["PostgreSQL"]
    assert sql.client_named("") == sql.client_named("PostgreSQL") == ("PostgreSQL", {"command": PSQL})
    with pytest.raises(
        FeatureError, match=r"^'MySQL' is not an SQL client of oat \(known: PostgreSQL; sql_clients.yaml"
    ):
        sql.client_named("MySQL")


def test_the_sql_and_the_database_reach_the_client_as_written():
    text = """SELECT 'it''s', "Name", $1, `id`; -- $HOME\n\\q"""
    command = sql.command({"command": PSQL}, "my db", text)
    words = shlex.split(command)
    assert words[words.index("printf") + 2] == text
    assert words[words.index("-d") + 1] == "my db"


def test_a_query_s_value():
    box = FakeServer(
        "box",
        (0, "count\n3\n", ""),
        (0, "count\n2\n", ""),
        (3, "", 'psql:<stdin>:1: ERROR:  relation "t" does not exist\nLINE 1: SELECT count(*) FROM t\n'),
    )
    lab = FakeLab(box=box)
    sql.sql_answers(lab, "box", "", "app", "SELECT count(*) FROM t", "3")
    assert box.commands == [PSQL.replace("{sql}", "'SELECT count(*) FROM t'").replace("{database}", "app")]
    assert fails(sql.sql_answers, lab, "box", "", "app", "SELECT count(*) FROM t", "3") == (
        "box: SQL \"SELECT count(*) FROM t\" in PostgreSQL database app answered '2', expected '3'"
    )
    assert fails(sql.sql_answers, lab, "box", "PostgreSQL", "app", "SELECT count(*) FROM t", "3") == (
        'box: SQL "SELECT count(*) FROM t" in PostgreSQL database app failed (exit 3): '
        'psql:<stdin>:1: ERROR:  relation "t" does not exist ⏎ LINE 1: SELECT count(*) FROM t'
    )


def test_a_query_s_value_on_each_server_of_a_role():
    lab = FakeLab(box=FakeServer("box", (0, "n\n3\n", "")), box2=FakeServer("box2", (0, "n\n", "")))
    assert fails(sql.sql_answers, lab, "箱", "", "app", "SELECT n FROM t", "3") == (
        "box2: SQL \"SELECT n FROM t\" in PostgreSQL database app answered no rows, expected '3'"
    )
    lab = FakeLab(box=FakeServer("box", (0, "a,b\n1,x\n2,y\n", "")))
    sql.sql_answers(lab, "box", "", "app", "SELECT a, b FROM t", "1|x\n2|y")  # columns by |, rows by lines


def test_a_query_s_rows():
    answer = 'id,name\n1,"a, b"\n2,it\'s\n'
    box = FakeServer("box", (0, answer, ""), (0, answer, ""), (0, answer, ""))
    lab = FakeLab(box=box)
    table = [["id", "name"], ["1", "a, b"], ["2", "it's"]]
    sql.sql_rows(lab, "box", "", "app", "SELECT id, name FROM t ORDER BY id", table)
    assert fails(
        sql.sql_rows,
        lab,
        "box",
        "",
        "app",
        "SELECT id, name FROM t ORDER BY id",
        [["id", "name"], ["1", "a, b"], ["2", "its"]],
    ) == (
        'box: SQL "SELECT id, name FROM t ORDER BY id" in PostgreSQL database app answered '
        "id|name: 1|a, b ⏎ 2|it's (2 rows), expected id|name: 1|a, b ⏎ 2|its (2 rows) (row 2 is '2|it's', expected '2|its')"
    )
    assert fails(
        sql.sql_rows, lab, "box", "", "app", "SELECT id, name FROM t", [["id", "label"], ["1", "a, b"]]
    ).endswith("expected id|label: 1|a, b (1 rows) (other column names)")
    assert sql.sql_rows.__doc__  # the datatable's shape is said in the failure of an empty one:
    with pytest.raises(FeatureError, match="this step needs a table"):
        sql.sql_rows(lab, "box", "", "app", "SELECT 1", [])


def test_running_sql_stops_the_step_at_an_error():
    box = FakeServer("box", (0, "", ""), (3, "", 'psql:<stdin>:2: ERROR:  syntax error at or near "INSER"\n'))
    lab = FakeLab(box=box)
    sql.run_sql(lab, "box", "", "app", "CREATE TABLE t (id int);\nINSERT INTO t VALUES (1);")
    words = shlex.split(box.commands[0])
    assert words[words.index("printf") + 2] == "CREATE TABLE t (id int);\nINSERT INTO t VALUES (1);"
    with pytest.raises(
        AssertionError,
        match=r'^box: SQL "CREATE TABLE t \(id int\); INSER 1;" in PostgreSQL database '
        r"app failed \(exit 3\): psql:<stdin>:2: ERROR:  syntax error",
    ):
        sql.run_sql(lab, "box", "", "app", "CREATE TABLE t (id int);\nINSER 1;")


def test_the_sql_sentences_name_a_client_or_not():
    value = '"{server:q}" の{client:Client}データベース "{database:q}" で SQL "{sql}" の結果が "{expected}" である'
    assert parsed(
        value, '"db" のデータベース "app" で SQL "SELECT count(*) FROM t" の結果が "3" である', sql.TYPES
    ) == {"server": "db", "client": "", "database": "app", "sql": "SELECT count(*) FROM t", "expected": "3"}
    assert (
        parsed(
            value, '"db" の PostgreSQL データベース "app" で SQL "SELECT \'a\' AS "x"" の結果が "a" である', sql.TYPES
        )["client"]
        == "PostgreSQL"
    )
    script = '"{server:q}" の{client:Client}データベース "{database:q}" で次の SQL を実行する:'
    assert parsed(script, '"db" のデータベース "app" で次の SQL を実行する:', sql.TYPES)["database"] == "app"


# A psql for the tests: records its arguments and the SQL it reads, answers as psql --csv would.
RUNUSER = """#!{python}
import json, sys
sql = sys.stdin.read()
with open("{log}", "a", encoding="utf-8") as out:
    out.write(json.dumps([sys.argv[1:], sql]) + "\\n")
if "ORDER BY" in sql:
    print('id,name\\n1,"a, b"\\n2,it\\'s')
elif "count" in sql:
    print("count\\n2")
elif "BROKEN" in sql:
    sys.exit('psql:<stdin>:1: ERROR:  syntax error at or near "BROKEN"')
"""


@pytest.fixture
def psql(tmp_path, monkeypatch) -> Path:
    """A `runuser` first on PATH that stands for psql; returns the file of what it was given."""
    folder, log = tmp_path / "bin", tmp_path / "psql.log"
    folder.mkdir()
    program = folder / "runuser"
    program.write_text(RUNUSER.format(python=sys.executable, log=log))
    program.chmod(0o755)
    monkeypatch.setenv("PATH", f"{folder}{os.pathsep}{os.environ['PATH']}")
    return log


def test_sql_through_a_real_shell(lab, psql):
    import json

    text = "INSERT INTO t VALUES (2, 'it''s'); -- \"$HOME\" `id`"
    sql.run_sql(lab, "box", "", "my app", text)
    args, given = json.loads(psql.read_text().splitlines()[0])
    assert given == text + "\n"
    assert args == [
        "-u",
        "postgres",
        "--",
        "psql",
        "-X",
        "-q",
        "-v",
        "ON_ERROR_STOP=1",
        "--csv",
        "-d",
        "my app",
        "-f",
        "-",
    ]
    sql.sql_answers(lab, "箱", "", "app", "SELECT count(*) FROM t", "2")
    sql.sql_rows(
        lab,
        "box",
        "PostgreSQL",
        "app",
        "SELECT id, name FROM t ORDER BY id",
        [["id", "name"], ["1", "a, b"], ["2", "it's"]],
    )
    assert fails(sql.sql_answers, lab, "box", "", "app", "BROKEN", "2") == (
        'box: SQL "BROKEN" in PostgreSQL database app failed (exit 1): '
        'psql:<stdin>:1: ERROR:  syntax error at or near "BROKEN"'
    )


# --- through pytest-bdd: the docstring forms, with and without a time, and SQL --------------

CONFTEST = """
import pytest
from oat.record.evidence import Masker, Recorder
from tests.oat.vocabulary.test_generic_steps import LocalLab

pytest_plugins = ["oat.vocabulary.commands", "oat.vocabulary.ports", "oat.vocabulary.sql"]


@pytest.fixture(scope="session")
def lab():
    return LocalLab(Recorder(Masker()))
"""

FEATURE = '''# language: ja
機能: 手順書の文
  シナリオ: 次のコマンドと SQL
    ならば 5 秒以内に "箱" で次のコマンドが成功する:
      """
      test -d /
      echo ok
      """
    かつ "box" で次のコマンドの出力に "o k" が含まれる:
      """
      echo o k
      """
    かつ "box" でコマンド "echo 3" の出力が "3" である
    かつ "box" が TCP ポート {port} を "box" と "127.0.0.3" だけで待ち受けている
    もし "box" のデータベース "app" で次の SQL を実行する:
      """
      INSERT INTO t VALUES (2, 'it''s');
      """
    ならば "box" の PostgreSQL データベース "app" で SQL "SELECT count(*) FROM t" の結果が "2" である
    かつ 5 秒以内に "箱" のデータベース "app" で SQL "SELECT id, name FROM t ORDER BY id" の結果が次のとおりである:
      | id | name |
      | 1  | a, b |
      | 2  | it's |

  シナリオ: 時間内に成功しない
    ならば 1 秒以内に "box" で次のコマンドが成功する:
      """
      echo never >&2
      false
      """
'''


def test_the_sentences_through_pytest_bdd(pytester, monkeypatch, psql, two_addresses):
    monkeypatch.setenv("PYTHONPATH", str(ROOT))
    pytester.makeconftest(CONFTEST)
    pytester.makefile(".feature", runbook=FEATURE.replace("{port}", str(two_addresses)))
    pytester.makepyfile(test_runbook='from pytest_bdd import scenarios\n\nscenarios("runbook.feature")\n')
    result = pytester.runpytest_subprocess("-p", "no:oat", "-p", "no:cacheprovider")
    result.assert_outcomes(passed=1, failed=1)
    result.stdout.fnmatch_lines(
        [
            "*AssertionError: not within 1 s: box: `echo never >&2 ⏎ false` exited 1, "
            "expected 0 (stderr: never; stdout: (empty))"
        ]
    )
    assert "INSERT INTO t VALUES (2, 'it''s');" in psql.read_text(encoding="utf-8")
