"""oat.drivers.ssh_preflight: ssh's own words turned into one cause, for the causes a loopback
sshd cannot show (tests/oat/drivers/test_server_ssh.py shows the others for real); and a server whose
ssh transport fails says the cause, never a result's repr."""

from __future__ import annotations

import pytest

from oat.drivers.base import Completed, Transport, Unreachable
from oat.drivers.ssh_preflight import cause
from oat.errors import LabError
from oat.model.topology import Server as Spec
from oat.record.evidence import Masker, Recorder
from oat.servers import Server

SETTINGS = {"hostname": "192.0.2.10", "port": "22", "user": "root", "userknownhostsfile": "/srv/known_hosts"}


@pytest.mark.parametrize(
    "stderr, said",
    [
        (
            "debug1: Connecting to 192.0.2.10 [192.0.2.10] port 22.\n"
            "ssh: connect to host 192.0.2.10 port 22: Connection timed out\n",
            "timed out after 10 s: no answer (a wrong address, or a firewall that drops the packets)",
        ),
        (
            "ssh: Could not resolve hostname web1.invalid: Name or service not known\n",
            "host name not resolved: ssh: Could not resolve hostname web1.invalid: Name or service not known",
        ),
        (
            "ssh: connect to host 192.0.2.10 port 22: No route to host\n",
            "unreachable: ssh: connect to host 192.0.2.10 port 22: No route to host",
        ),
        (
            "kex_exchange_identification: Connection closed by remote host\nConnection closed by 192.0.2.10 port 22\n",
            "the server closed the connection before login: Connection closed by 192.0.2.10 port 22",
        ),
        (
            "debug1: Authenticating to 192.0.2.10:22 as 'deploy'\n"
            "debug1: Authentications that can continue: publickey\n"
            "deploy@192.0.2.10: Permission denied (publickey).\n",
            "authentication refused for user deploy: ssh had no key to offer (it accepts: publickey)",
        ),
        (
            "debug1: Server host key: ecdsa-sha2-nistp256 SHA256:offered\n"
            "No ECDSA host key is known for 192.0.2.10 and you have requested strict checking.\n"
            "Host key verification failed.\n",
            "unknown host key: the server offered ECDSA SHA256:offered; /srv/known_hosts has no key for 192.0.2.10 "
            "(check the fingerprint with the server's administrator, then add its key there; host keys are always "
            "verified)",
        ),
    ],
)
def test_ssh_s_words_are_one_cause(stderr, said):
    assert cause(stderr, SETTINGS, 10) == said


def test_the_changed_key_line_has_both_fingerprints(tmp_path):
    known = tmp_path / "known_hosts"
    known.write_text("web1 ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIGvcbj6p1bKKD8SpNMd6/BWTBfYc9XhOyJfoQ0R1ciWh\n")
    stderr = (
        "debug1: Server host key: ssh-rsa SHA256:offeredRSA\n"
        "@    WARNING: REMOTE HOST IDENTIFICATION HAS CHANGED!     @\n"
        f"Offending ED25519 key in {known}:1\n"
        "Host key for web1 has changed and you have requested strict checking.\n"
        "Host key verification failed.\n"
    )
    said = cause(stderr, SETTINGS, 10)
    assert said.startswith(
        f"host key mismatch: the server offered RSA SHA256:offeredRSA; {known}:1 has ED25519 SHA256:"
    )
    assert said.endswith(
        " for web1 (a reinstalled server, or someone in between: check which key is right; host "
        "keys are always verified)"
    )


class Refused(Transport):
    """A way in that fails as ssh does when it cannot connect (exit 255)."""

    target = "ssh://box"

    def argv(self, command: str, stdin: bool = False) -> list[str]:
        return ["false"]

    def run(self, command: str, stdin: bytes | None = None, timeout: float | None = None) -> Completed:
        raise Unreachable(
            self.target,
            Completed(255, b"", b"debug1: x\nssh: connect to host 192.0.2.10 port 22: Connection refused\n"),
        )


def test_a_failing_ssh_transport_is_said_without_a_repr():
    recorder = Recorder(Masker())
    server = Server(Spec(name="box", role="箱", image="", addresses={"lo": "192.0.2.10"}), Refused(), recorder)
    assert server.answer() == "exit 255: ssh: connect to host 192.0.2.10 port 22: Connection refused"
    with pytest.raises(LabError) as gone:
        server.check("echo hello")
    assert "CommandResult" not in str(gone.value) and "object at 0x" not in str(gone.value)
    assert "CommandResult" not in recorder.setup_commands[0].stderr
