"""oat.servers.Server over testinfra's ssh backend, against a real sshd on loopback that the
test starts and stops (its own host key, its own user key; host keys verified)."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import time
from pathlib import Path

import pytest
import yaml

from oat.drivers import inventory
from oat.drivers.inventory import InventoryError, InventoryLab
from oat.model.topology import parse
from oat.record.evidence import Masker, Recorder

SSHD = "/usr/sbin/sshd"
pytestmark = pytest.mark.skipif(
    not Path(SSHD).exists() and not os.environ.get("CI"), reason="no sshd here (bin/setup installs openssh-server)"
)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def sshd(tmp_path_factory):
    """A throw-away sshd on 127.0.0.1 accepting one key for root; removed after the module."""
    if os.geteuid() != 0:
        pytest.skip("sshd for root needs root")
    home = tmp_path_factory.mktemp("sshd")
    for kind in ("host", "user", "stranger"):
        subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", str(home / kind)], check=True)
    (home / "authorized_keys").write_text((home / "user.pub").read_text())
    port = free_port()
    config = home / "sshd_config"
    config.write_text(
        f"Port {port}\nListenAddress 127.0.0.1\nHostKey {home / 'host'}\nPidFile {home / 'pid'}\n"
        f"AuthorizedKeysFile {home / 'authorized_keys'}\nStrictModes no\nPermitRootLogin prohibit-password\n"
        "PasswordAuthentication no\nKbdInteractiveAuthentication no\nUsePAM no\n"
    )
    Path("/run/sshd").mkdir(exist_ok=True)
    daemon = subprocess.Popen([SSHD, "-D", "-e", "-f", str(config)], stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        with socket.socket() as s:
            if s.connect_ex(("127.0.0.1", port)) == 0:
                break
        time.sleep(0.1)
    host_key = (home / "host.pub").read_text().split()
    (home / "known_hosts").write_text(f"[127.0.0.1]:{port} {host_key[0]} {host_key[1]}\n")
    (home / "wrong_known_hosts").write_text(
        f"[127.0.0.1]:{port} {(home / 'stranger.pub').read_text().split()[0]} {(home / 'stranger.pub').read_text().split()[1]}\n"
    )
    (home / "empty_known_hosts").write_text("# no key of this server\n")
    yield {"home": home, "port": port}
    daemon.terminate()
    daemon.wait(timeout=10)


TOPOLOGY = parse(
    {
        "name": "solo",
        "networks": [{"name": "lo", "subnet": "127.0.0.0/8"}],
        "servers": [{"name": "box", "role": "箱", "image": "server", "addresses": {"lo": "127.0.0.2"}}],
    }
)


def lab(sshd, tmp_path, key="user", known_hosts="known_hosts", port=None):
    home = sshd["home"]
    path = tmp_path / "inventory.yaml"
    path.write_text(
        yaml.safe_dump(
            {
                "known_hosts": str(home / known_hosts),
                "ssh": {"user": "root", "key": str(home / key), "port": port or sshd["port"]},
                "labs": {
                    "solo": {
                        "networks": {"lo": "127.0.0.0/8"},
                        "servers": {
                            "loopback-box": {
                                "role": "箱",
                                "addresses": {"lo": "127.0.0.1"},
                                "ssh": {"host": "127.0.0.1"},
                            }
                        },
                    }
                },
            },
            allow_unicode=True,
        )
    )
    recorder = Recorder(Masker(["Top-Secret-9"]))
    made = InventoryLab(inventory.load(path), TOPOLOGY, recorder, f"t{os.getpid()}", tmp_path / "work")
    return made, recorder


def test_commands_and_files_go_over_ssh_and_are_recorded(sshd, tmp_path):
    made, recorder = lab(sshd, tmp_path)
    box = made.server("box")
    try:
        assert box.answer() is None
        assert box.check("echo hello").strip() == "hello"
        assert box.run("exit 3").rc == 3
        data = bytes(range(256)) * 500  # binary, larger than one write command carries
        target = tmp_path / "copied.bin"
        box.put_file(str(target), data, mode=0o600)
        assert target.read_bytes() == data and target.stat().st_mode & 0o777 == 0o600
        assert box.get_file(str(target)) == data
        box.put_file(str(tmp_path / "secret.conf"), "password=Top-Secret-9\n")
        shown = [(c.command, c.stdout) for c in recorder.setup_commands]
        assert ("echo hello", "hello\n") in shown
        assert any(cmd.startswith("(write file)") and out == "password=********\n" for cmd, out in shown)
        assert not any("Top-Secret-9" in f"{cmd} {out}" for cmd, out in shown)
        assert box.target == "ssh://oat-box"
        assert {c.via for c in recorder.setup_commands} == {"ssh://oat-box"}  # the evidence names the SSH target
    finally:
        made.destroy()


def test_one_connection_is_kept_and_reused(sshd, tmp_path):
    made, _ = lab(sshd, tmp_path)
    box = made.server("box")
    try:
        box.check("true")
        sockets = list(Path("/tmp").glob(f"oat-t{os.getpid()}"[:13] + "*"))
        assert sockets, "no ControlMaster socket: every command would open a new connection"
        masters = subprocess.run(
            ["ssh", "-F", str(made.config), "-O", "check", "oat-box"], capture_output=True, text=True
        )
        assert masters.returncode == 0 and "Master running" in masters.stderr
    finally:
        made.destroy()
    assert not list(Path("/tmp").glob(f"oat-t{os.getpid()}"[:13] + "*")), "the run left its SSH connection open"


def test_an_ansible_inventory_s_host_is_reached_as_its_variables_say(sshd, tmp_path):
    """ansible_host, ansible_port, ansible_user and ansible_ssh_private_key_file, for real."""
    home = sshd["home"]
    path = tmp_path / "hosts.ini"
    path.write_text(
        f"[箱]\nloopback-box ansible_host=127.0.0.1 ansible_port={sshd['port']} ansible_user=root "
        f"ansible_ssh_private_key_file={home / 'user'}\n[all:vars]\noat_known_hosts={home / 'known_hosts'}\n"
    )
    made = InventoryLab(inventory.load(path), TOPOLOGY, Recorder(Masker()), f"a{os.getpid()}", tmp_path / "work")
    try:
        assert made.server("box").check("id -un").strip() == "root"
        assert made.server("box").address == "127.0.0.1" and made.names["box"].name == "loopback-box"
    finally:
        made.destroy()


def fingerprint(public_key: Path) -> str:
    """`TYPE SHA256:…` of a public key, as the preflight line shows it."""
    bits, digest, *_, kind = subprocess.run(
        ["ssh-keygen", "-l", "-f", str(public_key)], capture_output=True, text=True, check=True
    ).stdout.split()
    return f"{kind.strip('()')} {digest}"


def preflight(made) -> str:
    try:
        with pytest.raises(InventoryError) as failed:
            made.check()
    finally:
        made.destroy()
    assert failed.value.exit_code == 6  # oat.errors.InventoryError: the inventory's own exit code
    line = str(failed.value)
    assert "\n" not in line and "object at 0x" not in line and "CommandResult" not in line
    return line


@pytest.mark.parametrize("cause", ["refused", "unknown host key", "host key mismatch", "authentication refused"])
def test_each_ssh_failure_is_one_line_naming_host_port_and_cause(sshd, tmp_path, cause):
    home, port, closed = sshd["home"], sshd["port"], free_port()
    offered, stranger = fingerprint(home / "host.pub"), fingerprint(home / "stranger.pub")
    change, said = {
        "refused": (
            {"port": closed},
            f"ssh 127.0.0.1 port {closed}: connection refused (nothing listens on that port, or a firewall rejects it)",
        ),
        "unknown host key": (
            {"known_hosts": "empty_known_hosts"},
            f"ssh 127.0.0.1 port {port}: unknown host key: the server offered {offered}; "
            f"{home / 'empty_known_hosts'} has no key for [127.0.0.1]:{port} (check the fingerprint "
            "with the server's administrator, then add its key there; host keys are always verified)",
        ),
        "host key mismatch": (
            {"known_hosts": "wrong_known_hosts"},
            f"ssh 127.0.0.1 port {port}: host key mismatch: the server offered {offered}; "
            f"{home / 'wrong_known_hosts'}:1 has {stranger} for [127.0.0.1]:{port} (a reinstalled "
            "server, or someone in between: check which key is right; host keys are always verified)",
        ),
        "authentication refused": (
            {"key": "stranger"},
            f"ssh 127.0.0.1 port {port}: authentication refused for user root: the server did "
            f"not accept the key {home / 'stranger'} ({stranger}) (it accepts: publickey)",
        ),
    }[cause]
    line = preflight(lab(sshd, tmp_path, **change)[0])
    assert line == f"server 'loopback-box' (box, 箱) of {tmp_path / 'inventory.yaml'}: {said}"


def test_a_port_that_never_answers_times_out(sshd, tmp_path, monkeypatch):
    """A socket that listens but never accepts, on loopback: ssh connects and no greeting comes."""
    monkeypatch.setattr(inventory, "CONNECT_TIMEOUT", 2)
    with socket.socket() as silent:
        silent.bind(("127.0.0.1", 0))
        silent.listen(1)
        port = silent.getsockname()[1]
        started = time.monotonic()
        line = preflight(lab(sshd, tmp_path, port=port)[0])
    assert time.monotonic() - started < 20
    assert line.endswith(
        f": ssh 127.0.0.1 port {port}: timed out after 2 s: connected, but no SSH greeting came "
        "(something else listens there, or the server is overloaded)"
    )


def test_a_server_without_systemd_is_named(sshd, tmp_path):
    if shutil.which("systemctl") and Path("/run/systemd/system").exists():
        pytest.skip("this machine runs systemd as PID 1")
    line = preflight(lab(sshd, tmp_path)[0])
    assert line.startswith(f"server 'loopback-box' (box, 箱) of {tmp_path / 'inventory.yaml'}: PID 1 is ")


def test_an_inventory_on_other_networks_moves_the_product_facts_with_them(sshd, tmp_path):
    """The document's 10.9.9.0/24 is the inventory's 127.0.0.0/8: a fact naming 10.9.9.13 (a
    floating IP, a pg_hba entry) is 127.0.0.13 there, and the report says why."""
    document = parse(
        {
            "name": "solo",
            "networks": [{"name": "lo", "subnet": "10.9.9.0/24"}],
            "servers": [{"name": "box", "role": "箱", "image": "server", "addresses": {"lo": "10.9.9.2"}}],
        }
    )
    made, _ = lab(sshd, tmp_path)
    made.destroy()
    made = InventoryLab(made.inventory, document, Recorder(Masker()), f"r{os.getpid()}", tmp_path / "work2")
    try:
        assert made.relocation.value({"fip": "10.9.9.13", "other": "192.0.2.1"}) == {
            "fip": "127.0.0.13",
            "other": "192.0.2.1",
        }
        assert made.relocation.differences() == [
            "lo: 手順書の 10.9.9.0/24 はインベントリのネットワークにないため 127.0.0.0/8 を使用"
        ]
    finally:
        made.destroy()
