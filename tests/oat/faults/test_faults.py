"""障害試験's parts without a lab: the fencing endpoint over real TLS (a node may act on its
peer only, and only with a certificate of the lab's CA), the never-two-actives verdict, the
append client's loss check and form reading, and the report's fault table."""
import socket
import time

import pytest
import requests

from oat.drivers.base import OFF, Holdings
from oat.drivers.docker.fencing import FencingEndpoint
from oat.faults.client import AppendClient, Forms, read_form
from oat.faults.sampler import ActiveSampler, Sample
from oat.pki import LabCA
from oat.render.report import render_faults


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
        requests.post(f"{made.url}/v1.41/containers/node2/kill", verify=str(tmp / "ca.pem"),
                      cert=(str(tmp / "o.crt"), str(tmp / "o.key")), timeout=5)
    assert made.machines.done == []


def test_the_sampler_counts_only_time_with_something_held_twice():
    sampler = ActiveSampler(None, ["node1", "node2"], "fip", "/mnt", "clweb_serv")
    both_fip = {"node1": (True, True, True), "node2": (True, False, False)}
    clean = {"node1": (False, False, False), "node2": (True, True, True)}
    sampler.samples = [Sample(0.0, clean), Sample(0.1, both_fip), Sample(0.3, clean), Sample(0.4, clean)]
    assert sampler.seconds_with_two_actives() == pytest.approx(0.2)
    assert sampler.samples[1].doubled() == ["floating IP"] and sampler.samples[1].holder() == "node1"
    assert len(sampler.violations()) == 1


class FakeHardware:
    def __init__(self, script):
        self.script = script

    def holdings(self, node):
        return self.script[node]


def test_the_sampler_reads_each_node_from_the_hardware():
    held = Holdings(frozenset({"192.168.10.13"}), frozenset({"/mnt/export"}), frozenset({"clweb_serv"}))
    sampler = ActiveSampler(FakeHardware({"node1": held, "node2": OFF}), ["node1", "node2"], "192.168.10.13",
                            "/mnt/export", "clweb_serv", interval=0.01).start()
    time.sleep(0.1)  # lets the thread sample a few times
    samples = sampler.stop()
    assert len(samples) >= 3 and all(s.holder() == "node1" and not s.doubled() for s in samples)


FORMS = Forms("https://x", "/login", "/mypage", "user", "password", "memo", "csrf")
PAGE = """<form method="post" action="/mypage">
<input type="hidden" name="csrf" value="tok&amp;en">
<textarea id="memo" name="memo">
1
2
&lt;3&gt;</textarea>"""


def test_the_form_is_read_as_a_browser_posts_it():
    assert read_form(PAGE, FORMS) == ("tok&en", "1\n2\n<3>")
    with pytest.raises(requests.RequestException):
        read_form("<p>login</p>", FORMS)


def test_only_acknowledged_numbers_count_as_lost():
    client = AppendClient(FORMS, "u", "p", "ca")
    client.acknowledged = [1, 2, 4]
    assert client.lost("1\n2\n3\n4\n") == []
    assert client.lost("1\n3\n") == [2, 4]  # 3 was never acknowledged: it may or may not be there
    assert client.lost("メモ1\n2\n4\n") == [1]  # a number is a line of its own


def test_the_fault_table_shows_each_fault_and_its_verdicts():
    html = render_faults([
        {"label": "node1 の電源断", "rto": 4.2, "two_actives": 0.0, "acknowledged": 50, "lost": 0, "svg": "<svg/>",
         "target": 5.0},
        {"label": "node1 のインタコネクト LAN断", "rto": None, "two_actives": 0.0, "acknowledged": 60, "lost": 1}])
    assert "4.20 秒" in html and "系切替なし" in html and "50 件" in html
    assert 'class="oat-failed">1 件' in html
