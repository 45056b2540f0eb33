"""Firing events on the event queue (RabbitMQ, AMQP 0-9-1) through pika's BlockingConnection:
persistent JSON messages to the exchange, routing key = the queue's name.

pika is imported when connecting, so everything else imports without it. Every failure is an
AgentError `queue <host>:<port>: <cause>`."""
from __future__ import annotations

import logging
import time
from typing import Callable

from tengine_job_agent.config import Queue
from tengine_job_agent.errors import AgentError
from tengine_job_agent.event import encode

CONNECT_TIMEOUT = 3.0  # s for one attempt to connect
RETRY_PAUSE = 1.0  # s between attempts

# pika logs every failed attempt at ERROR with a traceback; the agent reports it in one line.
logging.getLogger("pika").addHandler(logging.NullHandler())
logging.getLogger("pika").propagate = False


class Channel:
    """One connection's channel, publishing with publisher confirms: publish() returns once
    the broker has the message."""

    def __init__(self, settings: Queue, connection, channel, properties):
        self.settings = settings
        self._connection, self._channel, self._properties = connection, channel, properties

    def publish(self, body: bytes) -> None:
        try:
            self._channel.basic_publish(exchange=self.settings.exchange,
                                        routing_key=self.settings.name, body=body,
                                        properties=self._properties)
        except Exception as error:
            if not _is_transport_error(error):
                raise
            raise _failure(self.settings, error) from None

    def close(self) -> None:
        try:
            if self._connection.is_open:
                self._connection.close()
        except Exception as error:  # a broken connection: nothing left to close
            if not _is_transport_error(error):
                raise


def connect(settings: Queue, idle: float) -> Channel:
    """A channel to settings' exchange. The exchange, the durable queue and their binding are
    declared (idempotent, as the core does), so an event fired before any core ran is kept.
    idle: the longest the agent stays silent (its heartbeat interval); AMQP heartbeats are
    only answered while publishing, so the connection's heartbeat allows three of those."""
    import pika  # here only: see the module's docstring

    parameters = pika.ConnectionParameters(
        host=settings.host, port=settings.port, virtual_host=settings.vhost,
        credentials=pika.PlainCredentials(settings.user, settings.password),
        connection_attempts=1, socket_timeout=CONNECT_TIMEOUT, stack_timeout=CONNECT_TIMEOUT,
        heartbeat=max(60, int(idle * 3)))
    connection = None
    try:
        connection = pika.BlockingConnection(parameters)
        channel = connection.channel()
        channel.confirm_delivery()
        channel.exchange_declare(exchange=settings.exchange, exchange_type=settings.exchange_type,
                                 durable=settings.exchange_durable)
        channel.queue_declare(queue=settings.name, durable=True)
        channel.queue_bind(queue=settings.name, exchange=settings.exchange,
                           routing_key=settings.name)
    except Exception as error:
        if not _is_transport_error(error):
            raise
        failure = _failure(settings, error)
        if connection is not None and connection.is_open:
            connection.close()
        raise failure from None
    return Channel(settings, connection, channel,
                   pika.BasicProperties(delivery_mode=2, content_type="application/json"))


class Publisher:
    """Fires events over one connection, made when first needed and made again after a
    failure; a failure is retried for retry_for seconds, then raised."""

    def __init__(self, settings: Queue, idle: float, retry_for: float,
                 connector: Callable[[Queue, float], Channel] = connect):
        self.settings, self.idle, self.retry_for = settings, idle, retry_for
        self._connect = connector
        self._channel: Channel | None = None

    def open(self) -> None:
        """Connect now (retrying), so a queue that cannot be reached is known before work starts."""
        self._attempt(lambda channel: None, self.retry_for)

    def fire(self, event: dict, retry_for: float | None = None) -> None:
        body = encode(event)
        self._attempt(lambda channel: channel.publish(body),
                      self.retry_for if retry_for is None else retry_for)

    def close(self) -> None:
        if self._channel is not None:
            self._channel.close()
            self._channel = None

    def _attempt(self, action: Callable[[Channel], None], retry_for: float) -> None:
        deadline = time.monotonic() + retry_for
        while True:
            try:
                if self._channel is None:
                    self._channel = self._connect(self.settings, self.idle)
                action(self._channel)
                return
            except AgentError:
                self.close()
                if time.monotonic() + RETRY_PAUSE > deadline:
                    raise
                time.sleep(RETRY_PAUSE)


def _is_transport_error(error: BaseException) -> bool:
    """pika's own errors and the socket's; anything else is a bug, raised as it is."""
    return isinstance(error, OSError) or type(error).__module__.startswith("pika")


def _failure(settings: Queue, error: BaseException) -> AgentError:
    return AgentError(f"queue {settings.address}: {_cause(error, settings)}")


def _cause(error: BaseException, settings: Queue) -> str:
    """The cause in words; pika wraps the socket's error in its own (in args, .exception or
    .exceptions, depending on where the connection failed)."""
    pending, seen = [error], set()
    while pending:
        current = pending.pop(0)
        if id(current) in seen:
            continue
        seen.add(id(current))
        name = type(current).__name__
        if isinstance(current, OSError):
            text = current.strerror or str(current) or name
            return text[:1].lower() + text[1:]
        if name in ("ProbableAuthenticationError", "AuthenticationError"):
            return f"access refused for user '{settings.user}'"
        if name == "ProbableAccessDeniedError":
            return f"access to vhost '{settings.vhost}' refused for user '{settings.user}'"
        if name == "AMQPConnectorStackTimeout":
            return "timed out"
        if len(current.args) == 2 and isinstance(current.args[0], int):  # (reply code, text)
            return f"closed by the broker: {current.args[1]}"
        inner = (*current.args, getattr(current, "exception", None),
                 *getattr(current, "exceptions", ()), current.__cause__, current.__context__)
        pending.extend(found for found in inner if isinstance(found, BaseException))
    return str(error) or type(error).__name__
