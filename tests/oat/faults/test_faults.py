"""障害試験's parts without a lab: the never-two-actives verdict, the append client's loss check
and form reading, and the report's fault table. (The fencing endpoint: tests/oat/drivers/docker/test_fencing.py.)"""

import time

import pytest
import requests

from oat.drivers.base import OFF, Holdings
from oat.faults.client import AppendClient, Forms, read_form
from oat.faults.sampler import ActiveSampler, Sample
from oat.render.report import render_faults


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
    sampler = ActiveSampler(
        FakeHardware({"node1": held, "node2": OFF}),
        ["node1", "node2"],
        "192.168.10.13",
        "/mnt/export",
        "clweb_serv",
        interval=0.01,
    ).start()
    time.sleep(0.1)  # lets the thread sample a few times
    samples = sampler.stop()
    assert len(samples) >= 3 and all(s.holder() == "node1" and not s.doubled() for s in samples)


class Handover:
    """node1 holds everything until it has been read once; then node2 holds it: the handover
    lands between the reads of one sample."""

    def __init__(self, held):
        self.held, self.reads = held, []

    def holdings(self, node):
        moved = "node1" in self.reads  # node1 has been read once before this read
        self.reads.append(node)
        return self.held if (node == "node2") == moved else OFF


def test_a_node_that_holds_throughout_while_the_other_holds_too_is_a_split_brain():
    held = Holdings(frozenset({"192.168.10.13"}), frozenset(), frozenset())
    sampler = ActiveSampler(
        FakeHardware({"node1": held, "node2": held}), ["node1", "node2"], "192.168.10.13", "/mnt", "x", interval=0.01
    ).start()
    time.sleep(0.1)
    samples = sampler.stop()
    assert samples and all(s.doubled() == ["floating IP"] for s in samples)


def test_a_handover_between_two_reads_is_no_split_brain():
    """Read one after the other, both nodes seem to hold; read again, node1 had let go."""
    held = Holdings(frozenset({"192.168.10.13"}), frozenset(), frozenset())
    hardware = Handover(held)
    sampler = ActiveSampler(hardware, ["node1", "node2"], "192.168.10.13", "/mnt", "x", interval=0.01).start()
    time.sleep(0.1)
    samples = sampler.stop()
    assert not any(s.doubled() for s in samples)
    assert hardware.reads[:6] == ["node1", "node2", "node1", "node2", "node1", "node2"]


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
    html = render_faults(
        [
            {
                "label": "node1 の電源断",
                "rto": 4.2,
                "two_actives": 0.0,
                "acknowledged": 50,
                "lost": 0,
                "svg": "<svg/>",
                "target": 5.0,
            },
            {"label": "node1 のインタコネクト LAN断", "rto": None, "two_actives": 0.0, "acknowledged": 60, "lost": 1},
        ]
    )
    assert "4.20 秒" in html and "系切替なし" in html and "50 件" in html
    assert 'class="oat-failed">1 件' in html
