"""Steps on a product's parts (lab/products/NAME.yaml `parts`): install, set up, start, stop,
and check them where they run. No product is named here: the sentence names a role and a
part, and the product file says what that part is (package, unit, processes, ports, files).

A role is written as the topology names it ("運用系", "DB") or as "ROLE サーバ"
("DB サーバ"); "両系" is every server of the part (both sides of a cluster).
"""

from __future__ import annotations

import yaml
from pytest_bdd import parsers, step, then, when

from oat.errors import LabError
from oat.model.safety import disruptive
from oat.sockets import connected, listeners, listening
from oat.vocabulary.roles import ROLE
from oat.vocabulary.services import leftovers
from oat.wait import wait_until


def apt_install(server, package: str, version: str = "") -> None:
    """Install (or update to) a package, one version if given, with apt from the lab's
    package source; then check what dpkg has."""
    server.check("apt-get update")
    server.check("apt-get install %s" % (f"{package}={version}" if version else package))
    installed = server.host.package(package)
    assert installed.is_installed and (not version or installed.version == version), (
        f"{server.name}: {package} {version} expected, dpkg has {installed.version if installed.is_installed else 'none'}"
    )


@when(parsers.parse("{role:Role}に {part} をインストールする", extra_types=ROLE))
def install_part(parts, role, part):
    """Install the part's package (at the version the product file names, if any) with apt."""
    spec = parts.part(part)
    for server in parts.servers(part, role):
        apt_install(server, spec.package, spec.version)


@when(parsers.parse("{role:Role}の {part} をアップデートする", extra_types=ROLE))
def update_part(parts, role, part):
    """Update the part's package to its update_version with apt."""
    spec = parts.part(part)
    if not spec.update_version:
        raise LabError(f"{parts.product.path}: parts.{part}.update_version is missing")
    for server in parts.servers(part, role):
        apt_install(server, spec.package, spec.update_version)


@then(parsers.parse("{role:Role}の {part} が新しいバージョンである", extra_types=ROLE))
def part_updated(parts, role, part):
    """dpkg has the part's package at its update_version on every server of the role."""
    spec = parts.part(part)
    for server in parts.servers(part, role):
        found = server.host.package(spec.package).version
        assert found == spec.update_version, (
            f"{spec.package} on {server.name} is {found}, expected {spec.update_version}"
        )


@when(parsers.parse("{role:Role}の {part} をセットアップする", extra_types=ROLE))
def set_up_part(parts, lab_ca, role, part):
    """Carry out the part's setup actions (commands, files, certificates) in order."""
    for server in parts.servers(part, role):
        parts.set_up(part, server, lab_ca)


@step(parsers.parse("{role:Role}の {part} を起動する", extra_types=ROLE))
@step(parsers.parse("{role:Role}で {part} のサービスを起動する", extra_types=ROLE))
def start_part(parts, role, part):
    """systemctl start the part's unit."""
    for server in parts.servers(part, role):
        server.check("systemctl start %s" % parts.part(part).service)


@step(parsers.parse("{role:Role}の {part} を停止する", extra_types=ROLE))
@disruptive
def stop_part(parts, role, part):
    """systemctl stop the part's unit and the units that would start it again (a running
    service goes down: not on servers that are not disposable)."""
    _stop(parts, role, part)


@step(parsers.parse("{role:Role}で {part} のサービスを停止する", extra_types=ROLE))
def stop_part_service(parts, role, part):
    """systemctl stop the part's unit, as a procedure that set it up and started it does
    before going on (the service it stops is its own, not yet in use)."""
    _stop(parts, role, part)


def _stop(parts, role, part: str) -> None:
    spec = parts.part(part)
    for server in parts.servers(part, role):
        server.check("systemctl stop %s" % " ".join((*spec.also_stop, spec.service)))


def _listens(server, port: int, processes) -> bool:
    """The part listens on the port on an address other than loopback (where clients reach it)."""
    return any(
        s.local[1] == port and not s.local[0].startswith(("127.", "[::1]")) for s in listening(server, processes)
    )


@then(parsers.parse("{role:Role}で {part} のプロセスが起動し、ポートで待ち受けている", extra_types=ROLE))
@then(parsers.parse("{role:Role}で {part} のプロセスが起動している", extra_types=ROLE))
@then(parsers.parse("{role:Role}で {part} のサービスが起動している", extra_types=ROLE))
def part_running(parts, role, part):
    """The unit is running, its processes exist, and it listens on its ports."""
    spec = parts.part(part)
    for server in parts.servers(part, role):
        wait_until(
            lambda: server.host.service(spec.service).is_running, 60, f"{spec.service} is not running on {server.name}"
        )
        for process in spec.processes:
            assert server.run("pgrep -x %s", process).rc == 0, f"no {process} process on {server.name}"
        for port in spec.ports:
            wait_until(
                lambda: _listens(server, port, spec.processes),
                60,
                f"{server.name}: {'/'.join(spec.processes)} listens on no TCP port {port} ({part})",
            )


@then(parsers.parse("{role:Role}で {part} のプロセスが停止している", extra_types=ROLE))
def part_stopped(parts, role, part):
    """The unit is inactive (a clean stop), its control group and its user run nothing, none of
    its processes runs, its ports are closed; so are the units its stop stops with it
    (`also_stop`): a process they leave is the part's too."""
    _assert_not_running(parts, role, part, ("inactive",), with_also_stopped=True)


@then(parsers.parse("{role:Role}で {part} のサービスが起動していない", extra_types=ROLE))
def part_not_running(parts, role, part):
    """The unit is not running (inactive, or failed after a kill), no process, ports closed."""
    _assert_not_running(parts, role, part, ("inactive", "failed"))


def _assert_not_running(parts, role, part: str, states: tuple[str, ...], with_also_stopped: bool = False) -> None:
    spec = parts.part(part)
    units = (spec.service, *spec.also_stop) if with_also_stopped else (spec.service,)
    for server in parts.servers(part, role):
        for unit in units:
            state = server.run("systemctl is-active %s", unit).stdout.strip()
            assert state in states, f"{unit} on {server.name} is '{state}', expected {' or '.join(map(repr, states))}"
            problems = leftovers(server, unit)  # "stopped" by its names alone misses a child of another name
            assert not problems, f"{server.name}: {unit} is '{state}' but " + "; and ".join(problems)
        for process in spec.processes:
            left = server.run("pgrep -a -x %s", process).stdout.strip()
            assert not left, f"{process} still runs on {server.name}: {left}"
        for port in spec.ports:
            held = [str(s) for s in listeners(server) if s.local[1] == port]
            assert not held, f"{server.name}: TCP port {port} is still open ({part}): {'; '.join(held)}"


@then(parsers.parse("{role:Role}で {part} の自動起動が有効になっている", extra_types=ROLE))
@then(parsers.parse("{role:Role}で {part} の自動起動が登録されている", extra_types=ROLE))
def part_enabled(parts, role, part):
    """systemd starts the part's unit at boot (is-enabled answers 0: enabled, enabled-runtime...)."""
    service = parts.part(part).service
    for server in parts.servers(part, role):
        if not server.host.service(service).is_enabled:
            found = server.run("systemctl is-enabled %s", service).stdout.strip()
            raise AssertionError(f"{service} on {server.name} is '{found}', expected enabled")


@then(parsers.parse("{role:Role}で {part} の自動起動が無効になっている", extra_types=ROLE))
@then(parsers.parse("{role:Role}で {part} の自動起動が無効のままである", extra_types=ROLE))
def part_disabled(parts, role, part):
    """systemd does not start the part's unit at boot (is-enabled says disabled)."""
    service = parts.part(part).service
    for server in parts.servers(part, role):
        found = server.run("systemctl is-enabled %s", service).stdout.strip()
        assert found == "disabled", f"{service} on {server.name} is '{found}', expected 'disabled'"


@then(
    parsers.parse("{role:Role}で {part} の設定ファイルはセットアップで書いた内容と権限のままである", extra_types=ROLE)
)
def files_as_set_up(parts, role, part):
    """Every file the part's setup wrote still has that content, mode and owner."""
    written = parts.files(part)
    if not written:
        raise LabError(f"{parts.product.path}: parts.{part}.setup writes no file to check")
    for server in parts.servers(part, role):
        for want in written:
            held = server.host.file(want["path"])
            assert held.exists, f"{want['path']} is missing on {server.name}"
            assert held.content_string == want["content"], (
                f"{want['path']} on {server.name} no longer holds what the setup wrote"
            )
            assert held.mode == want["mode"], (
                f"{want['path']} on {server.name} has mode {held.mode:04o}, the setup set {want['mode']:04o}"
            )
            owner = f"{held.user}:{held.group}"
            assert not want["owner"] or owner == want["owner"], (
                f"{want['path']} on {server.name} is owned by {owner}, the setup set {want['owner']}"
            )


@then(parsers.parse("{role:Role}で {part} が設定ファイルに書かれた接続先に接続している", extra_types=ROLE))
def connected_as_configured(parts, role, part):
    """The part's processes hold established connections to the peers its config file names,
    and to no other host on those ports."""
    spec = parts.part(part)
    if not spec.config or not spec.connections:
        raise LabError(f"{parts.product.path}: parts.{part} names no config file or connections to check")
    for server in parts.servers(part, role):
        config = yaml.safe_load(server.host.file(spec.config).content_string) or {}
        for peer, host_key, port_key in spec.connections:
            host, port = str(_dig(config, host_key, spec.config)), int(_dig(config, port_key, spec.config))
            expected = parts.address(peer)
            assert host == expected, (
                f"{spec.config} on {server.name} names {host} for the {peer}, whose address is {expected}"
            )
            found = {}

            def reaches() -> bool:
                found["all"] = connected(server, spec.processes)
                return any(s.peer == (host, port) for s in found["all"])

            wait_until(
                reaches,
                30,
                lambda: (
                    f"{'/'.join(spec.processes)} on {server.name} holds no connection to "
                    f"the {peer} at {host}:{port} ({spec.config}); it holds: "
                    f"{'; '.join(map(str, found['all'])) or 'none'}"
                ),
            )
            astray = [str(s) for s in found["all"] if s.peer[1] == port and s.peer[0] != host]
            assert not astray, (
                f"{server.name}: {part} also reaches port {port} elsewhere than {host}: {'; '.join(astray)}"
            )


def _dig(config: dict, dotted: str, path: str):
    value = config
    for key in dotted.split("."):
        if not isinstance(value, dict) or key not in value:
            raise AssertionError(f"{path} has no key {dotted}")
        value = value[key]
    return value
