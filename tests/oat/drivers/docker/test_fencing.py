"""oat.drivers.docker.fencing: the fencing endpoint over real TLS (a node may act on its peer
only, and only with a certificate of the lab's CA)."""

import socket

import pytest
import requests

from oat.drivers.docker.fencing import FencingEndpoint
from oat.pki import LabCA


class FakeMachines:
    def __init__(self):
        self.on = {"node1": True, "node2": True}
        self.done = []

    def running(self, name):
        return self.on[name]

    def off(self, name):
        self.done.append(("off", name))
        self.on[name] = False

    def on_(self, name):
        self.on[name] = True

    def cycle(self, name):
        self.done.append(("cycle", name))


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def endpoint(tmp_path):
    ca = LabCA("test CA")
    machines = FakeMachines()
    machines.on_ = machines.on_  # keep the fake's start apart from its state dict
    made = FencingEndpoint(ca, "127.0.0.1", _free_port(), {"node1": ["node2"], "node2": ["node1"]}, machines)
    made.machines.on = machines.on  # state
    made.start()
    yield made, ca, tmp_path
    made.stop()


def _client(endpoint, node, tmp_path):
    made, ca, _ = endpoint
    files = made.client_files(node)
    for name, data in files.items():
        (tmp_path / f"{node}.{name}").write_bytes(data)
    session = requests.Session()
    session.verify = str(tmp_path / f"{node}.ca")
    session.trust_env = False  # else REQUESTS_CA_BUNDLE from the environment wins
    session.cert = (str(tmp_path / f"{node}.cert"), str(tmp_path / f"{node}.key"))
    return session


def test_a_node_sees_and_powers_off_its_peer_only(endpoint):
    made, _, tmp = endpoint
    node1 = _client(endpoint, "node1", tmp)
    assert node1.get(f"{made.url}/v1.41/containers/node2/json").json() == {"Name": "/node2", "State": {"Running": True}}
    assert node1.post(f"{made.url}/v1.41/containers/node1/kill").status_code == 403  # itself
    assert node1.post(f"{made.url}/v1.41/containers/repo/kill").status_code == 403  # any other server
    assert node1.get(f"{made.url}/v1.41/info").status_code == 403  # any other call
    assert node1.post(f"{made.url}/v1.41/containers/node2/kill").status_code == 204
    assert made.machines.done == [("off", "node2")]
    assert [c.status for c in made.calls] == [200, 403, 403, 403, 204] and made.calls[-1].caller == "node1"
    listed = node1.get(f"{made.url}/v1.41/containers/json?all=1").json()
    assert listed == [{"Id": "node2", "Names": ["/node2"], "Status": "Exited"}]


def test_no_client_certificate_no_answer(endpoint):
    made, ca, tmp = endpoint
    (tmp / "ca.pem").write_bytes(ca.cert_pem)
    with pytest.raises(requests.exceptions.SSLError):
        requests.get(f"{made.url}/v1.41/containers/node2/json", verify=str(tmp / "ca.pem"), timeout=5)
    # (verify= on the call itself: it wins over REQUESTS_CA_BUNDLE)
    assert made.machines.done == []


def test_a_certificate_of_another_ca_is_refused(endpoint):
    made, _, tmp = endpoint
    other = LabCA("someone else")
    issued = other.issue("node1", client=True)
    (tmp / "o.crt").write_bytes(issued.cert_pem)
    (tmp / "o.key").write_bytes(issued.key_pem)
    (tmp / "ca.pem").write_bytes(made._ca.cert_pem)
    with pytest.raises(requests.exceptions.SSLError):
        requests.post(
            f"{made.url}/v1.41/containers/node2/kill",
            verify=str(tmp / "ca.pem"),
            cert=(str(tmp / "o.crt"), str(tmp / "o.key")),
            timeout=5,
        )
    assert made.machines.done == []


def test_a_node_cut_off_mid_handshake_does_not_stop_its_peer_fencing(endpoint):
    # A node whose cables are pulled (or whose OS stalls) just after its TCP connection was
    # accepted never sends its TLS handshake: the other node's forced stop must still be served.
    made, _, tmp = endpoint
    stalled = socket.create_connection((made.address, made.port))
    try:
        node2 = _client(endpoint, "node2", tmp)
        answer = node2.post(f"{made.url}/v1.41/containers/node1/kill", timeout=5)
        assert answer.status_code == 204 and made.machines.done == [("off", "node1")]
    finally:
        stalled.close()
