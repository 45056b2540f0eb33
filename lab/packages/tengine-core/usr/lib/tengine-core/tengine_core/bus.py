"""The event queue (RabbitMQ, AMQP 0-9-1) through pika's BlockingConnection.

One connection and channel per process, used from one thread. The exchange, the queue and
their binding are declared by every user (idempotent), so the first event fired before any
core ran is kept. pika is imported when connecting, so the rest of the core imports without
it. Every failure, at connect time or later, is a ServerError naming `event_queue <host>:<port>`."""
from __future__ import annotations

import logging
import os
import socket
from contextlib import contextmanager
from typing import Callable

from tengine_core.causes import queue_cause
from tengine_core.config import EventQueue
from tengine_core.errors import ServerError
from tengine_core.event import Event

PART = "event_queue"
HEARTBEAT = 10  # s: a broker that vanishes is noticed within two heartbeats while consuming

# pika logs every failed connection attempt at ERROR with a traceback; the core reports the
# failure itself in one line.
logging.getLogger("pika").addHandler(logging.NullHandler())
logging.getLogger("pika").propagate = False

# on_message(body) -> True to acknowledge the message, False to reject it (not requeued).
OnMessage = Callable[[bytes], bool]


def connect(settings: EventQueue, timeout: float = 3.0, program: str = "tengined") -> Bus:
    """A connection to the broker; ServerError within about timeout seconds."""
    import pika  # here only: see the module's docstring

    server = settings.connection
    parameters = pika.ConnectionParameters(
        host=server.host, port=server.port, virtual_host=server.vhost,
        credentials=pika.PlainCredentials(server.user, server.password),
        connection_attempts=1, socket_timeout=timeout, stack_timeout=timeout,
        heartbeat=HEARTBEAT,
        client_properties={"connection_name": f"{program} {socket.gethostname()}/{os.getpid()}"})
    with _failures(settings):
        connection = pika.BlockingConnection(parameters)
        channel = connection.channel()
        # A publish returns once the broker has the message: tengine_fire's key is a promise.
        channel.confirm_delivery()
    persistent = pika.BasicProperties(delivery_mode=2, content_type="application/json")
    return Bus(settings, connection, channel, persistent)


@contextmanager
def _failures(settings: EventQueue):
    """pika's and the socket's errors as a ServerError naming the broker."""
    try:
        yield
    except Exception as error:
        if not _is_transport_error(error):
            raise
        server = settings.connection
        raise ServerError(PART, server.address,
                          queue_cause(error, server.user, server.vhost)) from None


def _is_transport_error(error: BaseException) -> bool:
    """pika's own errors (pika.exceptions, and its connection workflow's) and the socket's."""
    return isinstance(error, OSError) or type(error).__module__.startswith("pika.")


class Bus:
    def __init__(self, settings: EventQueue, connection, channel, persistent):
        self.settings = settings
        self._connection = connection
        self._channel = channel
        self._persistent = persistent  # the BasicProperties of every message

    def declare(self) -> None:
        exchange, queue = self.settings.exchange, self.settings.queue
        with _failures(self.settings):
            self._channel.exchange_declare(exchange=exchange.name, exchange_type=exchange.type,
                                           durable=exchange.durable)
            self._channel.queue_declare(queue=queue.name, durable=queue.durable)
            self._channel.queue_bind(queue=queue.name, exchange=exchange.name,
                                     routing_key=queue.name)

    def publish(self, event: Event) -> None:
        with _failures(self.settings):
            self._channel.basic_publish(exchange=self.settings.exchange.name,
                                        routing_key=self.settings.queue.name,
                                        body=event.to_json(), properties=self._persistent)

    def consume(self, on_message: OnMessage) -> None:
        """Deliver the queue's messages to on_message during poll(), one at a time."""
        def deliver(channel, method, _properties, body):
            if on_message(body):
                channel.basic_ack(method.delivery_tag)
            else:
                channel.basic_reject(method.delivery_tag, requeue=False)

        with _failures(self.settings):
            self._channel.basic_qos(prefetch_count=1)
            self._channel.basic_consume(queue=self.settings.queue.name,
                                        on_message_callback=deliver)

    def poll(self, seconds: float) -> None:
        """Handle what arrives for up to seconds (messages, heartbeats)."""
        with _failures(self.settings):
            self._connection.process_data_events(time_limit=seconds)

    def close(self) -> None:
        if self._connection.is_open:
            try:
                self._connection.close()
            except Exception as error:  # closing a broken connection: nothing left to do
                if not _is_transport_error(error):
                    raise

