"""The generic steps (oat/vocabulary) checked for real on this machine: Servers over a local
transport (/bin/sh here) stand for a lab's servers, each check is made to pass and to fail, and a
small feature runs through pytest-bdd against such a lab."""

from __future__ import annotations

import http.server
import inspect
import os
import shutil
import socket
import ssl
import subprocess
import threading
import time
from pathlib import Path

import pytest

from oat.drivers.base import Transport
from oat.errors import LabError
from oat.model.targets import TargetError, address, check_destination, servers
from oat.model.topology import parse
from oat.pki import LabCA
from oat.record.evidence import Masker, Recorder, one_line
from oat.servers import Server
from oat.vocabulary import (
    commands,
    files,
    journal,
    network,
    packages,
    ports,
    processes,
    remembered,
    services,
    sql,
    users,
)
from oat.vocabulary import http as web
from oat.vocabulary.checks import within

ROOT = Path(__file__).resolve().parents[3]
MODULES = [commands, files, web, journal, network, packages, ports, processes, remembered, services, sql, users]
STEP_MODULES = [
    "oat.vocabulary.commands",
    "oat.vocabulary.files",
    "oat.vocabulary.http",
    "oat.vocabulary.network",
    "oat.vocabulary.packages",
    "oat.vocabulary.ports",
    "oat.vocabulary.processes",
    "oat.vocabulary.services",
    "oat.vocabulary.users",
    "oat.vocabulary.reboot",
    "oat.vocabulary.remembered",
    "oat.vocabulary.journal",
    "oat.vocabulary.sql",
]

# 127.0.0.0/8 is loopback: every address of it is this machine (127.0.0.1 is the "gateway").
TOPOLOGY = parse(
    {
        "name": "here",
        "networks": [{"name": "lo", "subnet": "127.0.0.0/8"}],
        "servers": [
            {"name": "box", "role": "箱", "image": "server", "addresses": {"lo": "127.0.0.2"}},
            {"name": "box2", "role": "箱", "image": "server", "addresses": {"lo": "127.0.0.3"}},
            {"name": "solo", "role": "一台", "image": "server", "addresses": {"lo": "127.0.0.4"}},
        ],
    }
)


class Local(Transport):
    """This machine's /bin/sh as a server's way in."""

    target = "local://"

    def argv(self, command: str, stdin: bool = False) -> list[str]:
        return ["/bin/sh", "-c", command]


def local_server(spec, recorder: Recorder) -> Server:
    """A Server on this machine."""
    return Server(spec, Local(), recorder)


class LocalLab:
    """A lab whose servers are all this machine, under the topology's names and roles."""

    def __init__(self, recorder: Recorder):
        self.topology = TOPOLOGY
        self._servers = {name: local_server(spec, recorder) for name, spec in TOPOLOGY.servers.items()}

    def server(self, name: str) -> Server:
        return self._servers[TOPOLOGY.server(name).name]

    @property
    def servers(self) -> list[Server]:
        return list(self._servers.values())


@pytest.fixture(scope="module")
def recorder() -> Recorder:
    return Recorder(Masker())


@pytest.fixture(scope="module")
def lab(recorder) -> LocalLab:
    return LocalLab(recorder)


def fails(check, *args, **kwargs) -> str:
    """The line a check fails with, as the report shows it (pytest's assertion rewriting may add
    its own explanation below it)."""
    with pytest.raises(AssertionError) as caught:
        check(*args, **kwargs)
    return one_line(caught.value)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.2", 0))
        return s.getsockname()[1]


# --- server resolution -----------------------------------------------------------------


def test_a_name_is_one_server_and_a_role_every_server_of_it(lab):
    assert [s.name for s in servers(lab, "box")] == ["box"]
    assert [s.name for s in servers(lab, "箱")] == ["box", "box2"]
    assert address(lab, "一台") == "127.0.0.4" and address(lab, "10.0.0.9") == "10.0.0.9"


def test_an_unknown_word_names_itself_the_lab_and_what_it_knows(lab):
    with pytest.raises(TargetError) as caught:
        servers(lab, "web")
    assert str(caught.value) == (
        "'web' is neither a server nor a role of lab 'here' (servers: box, box2, solo; roles: 箱, 一台)"
    )
    with pytest.raises(TargetError, match="role '箱' of lab 'here' has 2 servers .box, box2.: name one"):
        address(lab, "箱")


def test_traffic_only_to_loopback_and_the_lab_networks(lab):
    assert check_destination(lab, "127.0.0.9", "x") == "127.0.0.9"
    for host in ("10.231.30.5", "192.0.2.1", "example.com"):
        with pytest.raises(TargetError, match=f"'{host}' is not a server or role of lab 'here' nor an address"):
            check_destination(lab, host, "x")


# --- commands --------------------------------------------------------------------------


def test_a_command_s_result_is_kept_and_checked(lab):
    result = commands.run_command(lab, "box", "echo hello world; echo oops >&2; exit 3")
    commands.exit_status_is(result, 3)
    commands.stdout_contains(result, "hello")
    commands.stdout_lacks(result, "goodbye")
    commands.stdout_matches(result, r"^hello \w+$")
    commands.stderr_contains(result, "oops")
    assert fails(commands.exit_status_is, result, 0) == (
        "box: `echo hello world; echo oops >&2; exit 3` exited 3, expected 0 (stderr: oops; stdout: hello world)"
    )
    assert "standard output lacks 'bye' (exit 3); it was: hello world" in fails(commands.stdout_contains, result, "bye")
    assert "standard output contains 'world', expected not: hello world" in fails(
        commands.stdout_lacks, result, "world"
    )
    assert "does not match /^bye/" in fails(commands.stdout_matches, result, "^bye")
    assert "standard error lacks 'fatal' (exit 3); it was: oops" in fails(commands.stderr_contains, result, "fatal")


def test_a_role_runs_the_command_on_each_of_its_servers(lab):
    result = commands.run_command(lab, "箱", "hostname")
    assert [a.server for a in result.answers] == ["box", "box2"]
    commands.exit_status_is(result, 0)


def test_a_script_stops_at_its_first_failing_command(lab):
    result = commands.run_script(lab, "solo", "echo one\nfalse\necho two")
    commands.exit_status_is(result, 1)
    commands.stdout_lacks(result, "two")
    assert "solo: `echo one ⏎ false ⏎ echo two` exited 1" in fails(commands.exit_status_is, result, 0)


def test_one_shot_command_checks(lab):
    commands.command_succeeds(lab, "箱", "true")
    commands.command_output_contains(lab, "box", "echo 'a \"quoted\" word'", '"quoted"')
    assert fails(commands.command_succeeds, lab, "箱", "exit 4") == (
        "box: `exit 4` exited 4, expected 0 (stderr: (empty); stdout: (empty)); "
        "box2: `exit 4` exited 4, expected 0 (stderr: (empty); stdout: (empty))"
    )
    assert fails(commands.command_output_contains, lab, "box", "echo abc", "xyz") == (
        "box: the output of `echo abc` lacks 'xyz' (exit 0); it was: abc"
    )


# --- services (no systemd as PID 1 is needed for the unit files' state) -------------------


def test_services_state_words_in_the_messages(lab):
    unit = "oat-no-such-unit"
    assert fails(services.service_running, lab, "box", unit).startswith(f"box: service {unit} is '")
    assert fails(services.service_enabled, lab, "box", unit).startswith(f"box: service {unit} is '")


@pytest.mark.skipif(not Path("/lib/systemd/system/ssh.service").exists(), reason="no ssh.service unit here")
def test_enabled_at_boot_or_not(lab):
    state = subprocess.run(["systemctl", "is-enabled", "ssh"], capture_output=True, text=True).stdout.strip()
    check, other = (
        (services.service_enabled, services.service_disabled)
        if state == "enabled"
        else (services.service_disabled, services.service_enabled)
    )
    check(lab, "box", "ssh")
    assert f"box: service ssh is '{state}' at boot, expected" in fails(other, lab, "box", "ssh")


# --- processes -------------------------------------------------------------------------


@pytest.fixture
def sleepers(tmp_path):
    """Two processes with a name of their own (a copy of sleep), children of this process."""
    name = f"oatgen{os.getpid() % 100000}"
    program = tmp_path / name
    shutil.copy("/bin/sleep", program)
    running = [subprocess.Popen([str(program), "60"]) for _ in range(2)]
    yield name, running
    for p in running:
        p.kill()
        p.wait()


def test_processes_by_name_count_and_parent(lab, sleepers):
    name, running = sleepers
    processes.process_runs(lab, "box", name)
    processes.process_count(lab, "box", name, 2)
    processes.process_with_parent(lab, "box", os.getpid(), name)
    pids = sorted(p.pid for p in running)
    shown = ", ".join(f"{pid} (parent {os.getpid()})" for pid in pids)
    assert fails(processes.process_count, lab, "box", name, 3) == (
        f"box: 2 process(es) named '{name}' run, expected 3: pid {shown}"
    )
    assert fails(processes.process_with_parent, lab, "box", 1, name) == (
        f"box: no process named '{name}' has parent PID 1; those that run: pid {shown}"
    )
    assert fails(processes.process_absent, lab, "box", name).startswith(
        f"box: 2 process(es) named '{name}' run, expected none"
    )
    for p in running:
        p.kill()
        p.wait()
    processes.process_absent(lab, "box", name)
    assert fails(processes.process_runs, lab, "box", name) == f"box: no process named '{name}' runs"


# --- ports -----------------------------------------------------------------------------


@pytest.fixture
def listener():
    """A TCP socket listening on 127.0.0.2 only, and one on every IPv4 address."""
    one, anywhere = socket.socket(), socket.socket()
    one.bind(("127.0.0.2", 0))
    anywhere.bind(("0.0.0.0", 0))
    for s in (one, anywhere):
        s.listen()
    yield one.getsockname()[1], anywhere.getsockname()[1]
    one.close()
    anywhere.close()


def test_listening_where_and_only_where(lab, listener):
    port, wildcard = listener
    ports.port_listening(lab, "box", port)
    ports.port_listening_on(lab, "box", "127.0.0.2", port)
    ports.port_listening_on(lab, "box", "box", port)  # a server name stands for its address
    ports.port_listening_only_on(lab, "box", port, ("127.0.0.2",))
    ports.port_listening_on(lab, "box", "127.0.0.3", wildcard)  # 0.0.0.0 accepts on every address
    assert fails(ports.port_listening_on, lab, "box", "127.0.0.3", port) == (
        f"box: TCP port {port} is not listened on at 127.0.0.3; it is at: 127.0.0.2:{port}"
    )
    assert fails(ports.port_listening_only_on, lab, "box", wildcard, ("127.0.0.2",)) == (
        f"box: TCP port {wildcard} is listened on at 0.0.0.0:{wildcard}; expected only at 127.0.0.2"
    )
    assert fails(ports.port_closed, lab, "box", port) == (
        f"box: TCP port {port} is listened on at 127.0.0.2:{port}, expected nowhere"
    )


def test_a_closed_port(lab):
    port = free_port()
    ports.port_closed(lab, "box", port)
    assert fails(ports.port_listening, lab, "box", port) == f"box: nothing listens on TCP port {port}"
    assert fails(ports.port_listening_only_on, lab, "box", port, ("127.0.0.2",)) == (
        f"box: TCP port {port} is listened on at nothing; expected only at 127.0.0.2"
    )


# --- reachability ----------------------------------------------------------------------


def test_reachable_from_a_server(lab, listener):
    port, _ = listener
    network.reachable(lab, "solo", "box", port)
    closed = free_port()
    network.unreachable(lab, "solo", "box", closed)
    assert (
        fails(network.reachable, lab, "solo", "box", closed) == f"solo: cannot reach box (127.0.0.2) TCP port {closed}"
    )
    assert fails(network.unreachable, lab, "solo", "127.0.0.2", port) == (
        f"solo: reaches 127.0.0.2 TCP port {port}, expected no connection"
    )
    with pytest.raises(TargetError, match="target '192.0.2.7': '192.0.2.7' is not a server"):
        network.reachable(lab, "solo", "192.0.2.7", 80)


# --- files -----------------------------------------------------------------------------


def test_files_folders_links_text_mode_owner(lab, tmp_path):
    path = tmp_path / "site.conf"
    files.write_file(lab, "box", str(path), "listen 80;\nserver_name example;")
    assert path.read_text() == "listen 80;\nserver_name example;\n" and oct(path.stat().st_mode & 0o777) == "0o644"
    link = tmp_path / "enabled.conf"
    link.symlink_to(path)
    files.file_exists(lab, "box", str(path))
    files.folder_exists(lab, "box", str(tmp_path))
    files.file_absent(lab, "box", str(tmp_path / "nothing"))
    files.file_contains(lab, "box", str(path), "listen 80;")
    files.file_lacks(lab, "box", str(path), "listen 443")
    files.file_mode(lab, "box", str(path), "0644")
    files.file_mode(lab, "box", str(path), "644")
    files.file_owner(lab, "box", str(path), "root")
    files.file_owner(lab, "box", str(path), "root:root")
    files.symlink_to(lab, "box", str(link), str(path))
    files.symlink_to(lab, "box", str(link), str(tmp_path / "." / "site.conf"))  # the same place
    assert fails(files.file_exists, lab, "box", str(tmp_path)) == f"box: {tmp_path} is a folder, expected a file"
    assert (
        fails(files.file_absent, lab, "box", str(link)) == f"box: {link} is a symbolic link to {path}, expected nothing"
    )
    assert fails(files.folder_exists, lab, "box", str(path)) == f"box: {path} is a file, expected a folder"
    assert (
        fails(files.file_contains, lab, "box", str(path), "listen 443") == f"box: {path} does not contain 'listen 443'"
    )
    assert fails(files.file_contains, lab, "box", "/nonexistent/x", "a").startswith(
        "box: /nonexistent/x cannot be read (grep: /nonexistent/x: No such file or directory)"
    )
    assert fails(files.file_lacks, lab, "box", str(path), "example") == (
        f"box: {path} contains 'example', expected not: line 2:server_name example;"
    )
    assert fails(files.file_mode, lab, "box", str(path), "0640") == f"box: {path} has mode 0644, expected 0640"
    assert fails(files.file_owner, lab, "box", str(path), "www-data:root") == (
        f"box: {path} is owned by root:root, expected www-data:root"
    )
    assert fails(files.symlink_to, lab, "box", str(link), "/etc/hosts") == (
        f"box: {link} is a symbolic link to {path}, expected /etc/hosts"
    )
    assert fails(files.symlink_to, lab, "box", str(path), "/etc/hosts") == (
        f"box: {path} is a file, expected a symbolic link to /etc/hosts"
    )
    with pytest.raises(LabError, match="'rw-r' is not an octal file mode"):
        files.file_mode(lab, "box", str(path), "rw-r")


# --- packages and users ----------------------------------------------------------------


def test_packages_as_dpkg_has_them(lab):
    version = subprocess.run(["dpkg-query", "-W", "-f=${Version}", "bash"], capture_output=True, text=True).stdout
    packages.package_installed(lab, "box", "bash")
    packages.package_version_installed(lab, "box", "bash", version)
    packages.package_absent(lab, "box", "oat-no-such-package")
    assert fails(packages.package_version_installed, lab, "box", "bash", "0.1") == (
        f"box: package bash is version {version} installed, expected version 0.1"
    )
    assert fails(packages.package_installed, lab, "box", "oat-no-such-package") == (
        "box: package oat-no-such-package is not installed"
    )
    assert fails(packages.package_absent, lab, "box", "bash") == (
        f"box: package bash is version {version} installed, expected none"
    )


def test_users_and_groups(lab):
    users.user_exists(lab, "box", "root")
    users.user_absent(lab, "box", "oat-nobody")
    users.user_in_group(lab, "box", "root", "root")
    users.group_exists(lab, "box", "root")
    assert fails(users.user_exists, lab, "box", "oat-nobody") == "box: no user 'oat-nobody'"
    assert fails(users.user_absent, lab, "box", "root") == "box: user 'root' exists (uid 0), expected none"
    assert fails(users.user_in_group, lab, "box", "root", "oat-staff").startswith("box: user 'root' is in groups root")
    assert fails(users.group_exists, lab, "box", "oat-staff") == "box: no group 'oat-staff'"


# --- HTTP from the test runner ---------------------------------------------------------


class Page(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        body = "<h1>ようこそ oat</h1>".encode() if self.path in ("/", "/bare") else b"not here"
        self.send_response(200 if self.path in ("/", "/bare") else 404)
        self.send_header("Content-Type", "text/html" if self.path == "/bare" else "text/html; charset=utf-8")
        self.send_header("X-Oat", "yes")
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    """An HTTP and an HTTPS server on 127.0.0.2 (box); the HTTPS one has a certificate of a
    lab CA for that address. Yields the ports and the CA."""
    ca = LabCA("oat test CA")
    folder = tmp_path_factory.mktemp("site")
    ca.write_cert(folder / "ca.pem")
    issued = ca.issue("box", ips=["127.0.0.2"])
    (folder / "cert.pem").write_bytes(issued.cert_pem)
    (folder / "key.pem").write_bytes(issued.key_pem)
    plain = http.server.ThreadingHTTPServer(("127.0.0.2", 0), Page)
    secure = http.server.ThreadingHTTPServer(("127.0.0.2", 0), Page)
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(folder / "cert.pem", folder / "key.pem")
    secure.socket = context.wrap_socket(secure.socket, server_side=True)
    for server in (plain, secure):
        threading.Thread(target=server.serve_forever, daemon=True).start()
    yield plain.server_address[1], secure.server_address[1], ca
    for server in (plain, secure):
        server.shutdown()
        server.server_close()


def test_http_answers_kept_and_checked(lab, recorder, site):
    port, _, _ = site
    answer = web.fetch(lab, recorder, f"http://box:{port}/", True)
    assert answer.url == f"http://127.0.0.2:{port}/"
    web.response_status(answer, 200)
    web.response_body_contains(answer, "ようこそ")
    web.response_header(answer, "x-oat", "yes")
    assert fails(web.response_status, answer, 404) == (
        f"http://127.0.0.2:{port}/ answered HTTP 200 OK, expected 404: <h1>ようこそ oat</h1>"
    )
    assert fails(web.response_body_contains, answer, "さようなら") == (
        f"the body from http://127.0.0.2:{port}/ (HTTP 200) lacks 'さようなら': <h1>ようこそ oat</h1>"
    )
    assert fails(web.response_header, answer, "Server-Name", "x") == (
        f"http://127.0.0.2:{port}/: header Server-Name is absent, expected 'x'"
    )
    web.response_body_contains(
        web.fetch(lab, recorder, f"http://box:{port}/bare", True), "ようこそ"
    )  # no charset: UTF-8
    shown = recorder.setup_commands[-2]
    assert (shown.server, shown.via, shown.command) == (
        "box",
        "requests (試験端末から)",
        f"GET http://127.0.0.2:{port}/  (http://box:{port}/)",
    )
    assert shown.stdout.startswith("HTTP 200 OK\n") and "ようこそ" in shown.stdout


def test_a_url_s_host_may_be_a_server_or_a_role(lab):
    assert web.lab_url(lab, "http://一台:8080/a?b=1") == "http://127.0.0.4:8080/a?b=1"
    assert web.lab_url(lab, "https://u:p@box") == "https://u:p@127.0.0.2/"
    assert web.lab_url(lab, "http://[::1]:81/") == "http://[::1]:81/"
    with pytest.raises(TargetError, match="role '箱' of lab 'here' has 2 servers"):
        web.lab_url(lab, "http://箱/")


def test_https_is_verified_against_the_ca_given(lab, recorder, site):
    _, port, ca = site
    answer = web.fetch(lab, recorder, f"https://box:{port}/", str(ca.file))
    web.response_status(answer, 200)
    other = LabCA("another CA")
    other.write_cert(ca.file.parent / "other.pem")
    message = fails(web.fetch, lab, recorder, f"https://box:{port}/", str(other.file))
    assert (
        message.startswith(f"GET https://127.0.0.2:{port}/: no answer (SSLError")
        and "CERTIFICATE_VERIFY_FAILED" in message
    )


def test_one_shot_status_and_refusals(lab, recorder, site, monkeypatch):
    port, _, _ = site
    request = type("Request", (), {"getfixturevalue": lambda self, name: pytest.fail("no lab CA for http")})()
    web.url_answers_status(request, lab, recorder, f"http://box:{port}/", 200)
    assert fails(web.url_answers_status, request, lab, recorder, f"http://box:{port}/missing", 200) == (
        f"http://127.0.0.2:{port}/missing answered HTTP 404 Not Found, expected 200: not here"
    )
    closed = free_port()
    assert fails(web.url_answers_status, request, lab, recorder, f"http://box:{closed}/", 200).startswith(
        f"GET http://127.0.0.2:{closed}/: no answer (ConnectionError"
    )
    assert fails(web.url_answers_status, request, lab, recorder, f"http://127.0.0.9:{closed}/", 200)
    assert (recorder.setup_commands[-1].server, recorder.setup_commands[-1].exit_code) == ("試験端末", None)
    for url in ("http://192.0.2.1/", "https://example.com/"):
        with pytest.raises(TargetError, match="is not a server or role of lab 'here' nor an address"):
            web.fetch(lab, recorder, url, True)
    with pytest.raises(TargetError, match="'ftp://box/' is not an http"):
        web.fetch(lab, recorder, "ftp://box/", True)


# --- N 秒以内に ---------------------------------------------------------------------------


def test_within_passes_once_the_check_does(lab, tmp_path):
    path = tmp_path / "later"
    timer = threading.Timer(1.2, path.write_text, args=("now",))
    timer.start()
    started = time.monotonic()
    within(files.file_exists)(seconds=10, lab=lab, server="box", path=str(path))
    assert 1.0 < time.monotonic() - started < 5
    timer.join()


def test_within_times_out_with_the_last_failure(lab, tmp_path):
    started = time.monotonic()
    message = fails(within(files.file_exists), seconds=1, lab=lab, server="box", path=str(tmp_path / "never"))
    assert message == f"not within 1 s: box: {tmp_path / 'never'} is nothing, expected a file"
    assert time.monotonic() - started < 4


def test_within_gives_up_at_once_on_an_unknown_server(lab):
    started = time.monotonic()
    with pytest.raises(TargetError, match="'web' is neither a server nor a role"):
        within(files.file_exists)(seconds=30, lab=lab, server="web", path="/")
    assert time.monotonic() - started < 2


# --- the sentences themselves ----------------------------------------------------------


def _definitions():
    """(pattern, step function, module) of every step the generic modules of this task define."""
    from pytest_bdd.steps import step_function_context_registry

    import oat.vocabulary.reboot  # noqa: F401 - registers its step

    wanted = set(STEP_MODULES)
    found = []
    for context in list(step_function_context_registry.values()):
        func = inspect.unwrap(context.step_func)
        if func.__module__ in wanted:
            found.append((context.parser, context.step_func, func))
    return found


def test_every_step_has_a_one_line_english_description():
    found = _definitions()
    assert len(found) > 60
    for parser, _, func in found:
        doc = (inspect.getdoc(func) or "").splitlines()
        assert doc and doc[0].endswith(".") and doc[0].isascii(), f"{parser.name}: {func.__name__} needs a docstring"


def test_every_check_also_waits_and_each_sentence_has_one_definition():
    found = _definitions()
    patterns = {parser.name for parser, _, _ in found}
    checks = [p for p in patterns if not p.startswith("{seconds:d}")]
    waits = [p for p in patterns if p.startswith("{seconds:d} 秒以内に ")]
    assert len(waits) >= 30 and all(w.removeprefix("{seconds:d} 秒以内に ") in checks for w in waits)
    for parser, _, _ in found:
        example = _example(parser.name)
        matching = [other.name for other, _, _ in found if other.is_matching(example)]
        assert matching == [parser.name], f"{example!r} is matched by {matching}"


def _example(pattern: str) -> str:
    """A sentence of the pattern: numbers for {x:d}, a word for the other fields."""
    import re

    return re.sub(r"\{(\w+)(:\w+)?\}", lambda m: "30" if m.group(2) == ":d" else "v", pattern)


def test_no_product_word_in_the_generic_steps():
    words = ("CL/Web", "clweb", "Tengine", "CLUSTERPRO", "crm", "nginx", "pacemaker", "jcclweb")
    for module in [
        *MODULES,
        __import__("oat.vocabulary.reboot", fromlist=["x"]),
        __import__("oat.vocabulary.checks", fromlist=["x"]),
    ]:
        text = Path(module.__file__).read_text(encoding="utf-8").lower()
        assert not [w for w in words if w.lower() in text], module.__file__


# --- a feature through pytest-bdd ------------------------------------------------------

CONFTEST = f"""
import pytest
from pathlib import Path
from oat.record.evidence import Masker, Recorder, one_line
from tests.oat.vocabulary.test_generic_steps import LocalLab

pytest_plugins = {STEP_MODULES!r}

REBOOTS = []


def pytest_addhooks(pluginmanager):
    from oat.plugin import hooks
    pluginmanager.add_hookspecs(hooks)


def pytest_oat_after_fault(request, servers, fault):
    REBOOTS.append(("audit", [s.name for s in servers], fault))


@pytest.fixture(scope="session")
def recorder():
    return Recorder(Masker())


@pytest.fixture(scope="session")
def lab(recorder):
    made = LocalLab(recorder)
    for server in made.servers:
        server.reboot = lambda timeout, name=server.name: REBOOTS.append(("reboot", name, timeout))
    return made


@pytest.fixture
def reboots():
    return REBOOTS
"""

FEATURE = '''# language: ja
機能: 汎用ステップ
  シナリオ: 手順どおり
    もし "一台" でコマンド "echo 準備 完了" を実行する
    ならば 終了ステータスが 0 である
    かつ 標準出力に "準備" が含まれる
    もし "box" のファイル "{folder}/index.html" を次の内容で作成する:
      """
      <h1>こんにちは</h1>
      """
    ならば "箱" にファイル "{folder}/index.html" がある
    かつ 5 秒以内に "box" のファイル "{folder}/index.html" に "こんにちは" が含まれる
    かつ "box" にユーザ "root" がいる
    もし "箱" を再起動する
    ならば 監査が再起動の後に呼ばれている

  シナリオ: 期待と違う
    ならば 2 秒以内に "box" にファイル "{folder}/none" がある

  シナリオ: 実行する前に結果を見る
    ならば 終了ステータスが 0 である
'''

TEST = """
from pytest_bdd import scenarios, then

scenarios("generic.feature")


@then("監査が再起動の後に呼ばれている")
def audited(reboots):
    assert reboots == [("reboot", "box", 120.0), ("reboot", "box2", 120.0),
                       ("audit", ["box", "box2"], "reboot of box, box2 (systemctl reboot)")], reboots
"""


def test_a_feature_of_generic_steps_runs_through_pytest_bdd(pytester, monkeypatch, tmp_path):
    monkeypatch.setenv("PYTHONPATH", str(ROOT))
    pytester.makeconftest(CONFTEST)
    pytester.makefile(".feature", generic=FEATURE.replace("{folder}", str(tmp_path)))
    pytester.makepyfile(test_generic=TEST)
    result = pytester.runpytest_subprocess("-p", "no:oat", "-p", "no:cacheprovider")
    result.assert_outcomes(passed=1, failed=2)
    result.stdout.fnmatch_lines(
        [
            f"*AssertionError: not within 2 s: box: {tmp_path}/none is nothing, expected a file",
            "*LabError: no command has run in this scenario yet*",
        ]
    )
