"""Publishing: pika's calls (through the stand-in pika, in this process), the causes of its
failures in words, and the Publisher's connection reuse and retries (through FakeQueue)."""

from __future__ import annotations

import importlib
import json
import sys

import pytest

from agent_fakes import REFUSED
from agent_tree import FAKE_PIKA
from tengine_job_agent import event, publisher
from tengine_job_agent.config import Queue
from tengine_job_agent.errors import AgentError
from tengine_job_agent.publisher import Publisher

SETTINGS = Queue(
    host="127.0.0.1",
    port=5672,
    vhost="/tengine",
    user="tengine",
    password="pw",
    exchange="tengine_event_exchange",
    exchange_type="direct",
    exchange_durable=True,
    name="tengine_event_queue",
)


@pytest.fixture
def pika(monkeypatch):
    """The stand-in pika as `pika` in this process, for this test only."""
    monkeypatch.delenv("FAKE_PIKA_LOG", raising=False)
    monkeypatch.delenv("FAKE_PIKA_REFUSE", raising=False)
    monkeypatch.syspath_prepend(str(FAKE_PIKA))
    for name in ("pika", "pika.exceptions"):
        monkeypatch.delitem(sys.modules, name, raising=False)
    module = importlib.import_module("pika")
    monkeypatch.setitem(sys.modules, "pika", module)
    monkeypatch.setitem(sys.modules, "pika.exceptions", module.exceptions)
    module.RECORD.clear()
    return module


def test_connecting_declares_the_exchange_and_the_durable_queue_bound_to_it(pika):
    publisher.connect(SETTINGS, idle=5)
    ops = pika.RECORD
    assert ops[0] == {
        "op": "connect",
        "host": "127.0.0.1",
        "port": 5672,
        "vhost": "/tengine",
        "user": "tengine",
        "heartbeat": 60,
    }
    assert ops[1:] == [
        {"op": "confirm_delivery"},
        {"op": "exchange_declare", "exchange": "tengine_event_exchange", "type": "direct", "durable": True},
        {"op": "queue_declare", "queue": "tengine_event_queue", "durable": True},
        {
            "op": "queue_bind",
            "queue": "tengine_event_queue",
            "exchange": "tengine_event_exchange",
            "routing_key": "tengine_event_queue",
        },
    ]


def test_the_amqp_heartbeat_outlasts_three_silent_intervals(pika):
    publisher.connect(SETTINGS, idle=30)
    assert pika.RECORD[0]["heartbeat"] == 90


def test_an_event_is_a_persistent_json_message_routed_by_the_queue_name(pika):
    fired = event.new("foo", {"test_id": "t1"}, "tengine_job_agentd")
    publisher.connect(SETTINGS, idle=5).publish(event.encode(fired))
    sent = pika.RECORD[-1]
    fields = ("exchange", "routing_key", "delivery_mode", "content_type")
    assert {key: sent[key] for key in fields} == {
        "exchange": "tengine_event_exchange",
        "routing_key": "tengine_event_queue",
        "delivery_mode": 2,
        "content_type": "application/json",
    }
    assert json.loads(sent["body"]) == fired


def test_a_refused_connection_names_the_queue_and_the_cause(pika, monkeypatch):
    monkeypatch.setenv("FAKE_PIKA_REFUSE", "1")
    with pytest.raises(AgentError) as error:
        publisher.connect(SETTINGS, idle=5)
    assert str(error.value) == "queue 127.0.0.1:5672: connection refused"


def test_wrong_credentials_name_the_user(pika, monkeypatch):
    def refuse(_parameters):
        raise pika.exceptions.ProbableAuthenticationError("ConnectionClosedByBroker: (403)")

    monkeypatch.setattr(pika, "BlockingConnection", refuse)
    with pytest.raises(AgentError) as error:
        publisher.connect(SETTINGS, idle=5)
    assert str(error.value) == "queue 127.0.0.1:5672: access refused for user 'tengine'"


def test_a_channel_the_broker_closes_says_the_brokers_reply(pika, monkeypatch):
    channel = publisher.connect(SETTINGS, idle=5)

    def closed(**_message):
        raise pika.exceptions.ChannelClosedByBroker(404, "NOT_FOUND - no exchange 'x'")

    monkeypatch.setattr(channel._channel, "basic_publish", closed)
    with pytest.raises(AgentError) as error:
        channel.publish(b"{}")
    assert str(error.value) == ("queue 127.0.0.1:5672: closed by the broker: NOT_FOUND - no exchange 'x'")


def test_a_bug_is_not_reported_as_a_queue_failure(pika, monkeypatch):
    def broken(_parameters):
        raise TypeError("a bug")

    monkeypatch.setattr(pika, "BlockingConnection", broken)
    with pytest.raises(TypeError):
        publisher.connect(SETTINGS, idle=5)


# --- Publisher ----------------------------------------------------------------------------


@pytest.fixture
def quick_retries(monkeypatch):
    monkeypatch.setattr(publisher, "RETRY_PAUSE", 0.01)


def test_events_share_one_connection(queue):
    sender = Publisher(SETTINGS, 5, retry_for=0, connector=queue.connect)
    for name in ("a", "b"):
        sender.fire(event.new(name, {}, "x"))
    sender.close()
    assert (queue.types(), queue.connections, queue.closed) == (["a", "b"], 1, 1)


def test_a_failed_publish_is_retried_on_a_new_connection(queue, quick_retries):
    sender = Publisher(SETTINGS, 5, retry_for=5, connector=queue.connect)
    sender.fire(event.new("a", {}, "x"))
    queue.lose = {"b"}
    with pytest.raises(AgentError):
        sender.fire(event.new("b", {}, "x"), retry_for=0)
    sender.fire(event.new("c", {}, "x"))
    assert (queue.types(), queue.connections) == (["a", "c"], 2)


def test_an_unreachable_queue_is_retried_until_it_answers(queue, quick_retries):
    attempts = []

    def connect_on_the_third_attempt(settings, idle):
        attempts.append(1)
        if len(attempts) < 3:
            raise REFUSED
        return queue.connect(settings, idle)

    sender = Publisher(SETTINGS, 5, retry_for=5, connector=connect_on_the_third_attempt)
    sender.open()
    sender.fire(event.new("a", {}, "x"))
    assert (len(attempts), queue.types()) == (3, ["a"])


def test_an_unreachable_queue_is_given_up_after_retry_for(queue, quick_retries):
    queue.refuse = REFUSED
    sender = Publisher(SETTINGS, 5, retry_for=0.1, connector=queue.connect)
    with pytest.raises(AgentError) as error:
        sender.open()
    assert str(error.value) == "queue 127.0.0.1:5672: connection refused"
    assert 3 <= queue.connections <= 12


def test_retry_for_zero_is_one_attempt(queue):
    queue.refuse = REFUSED
    with pytest.raises(AgentError):
        Publisher(SETTINGS, 5, retry_for=0, connector=queue.connect).fire(event.new("a", {}, "x"))
    assert queue.connections == 1
