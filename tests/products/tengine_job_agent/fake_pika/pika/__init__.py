"""A stand-in for pika (this venv has none) that never opens a socket: what the agent does
with it is recorded in RECORD, and appended as JSON lines to $FAKE_PIKA_LOG when that is set
(for agent processes started by the tests, which find this package on PYTHONPATH).
$FAKE_PIKA_REFUSE makes every connection fail as a refused one."""

import json
import os

from pika import exceptions

RECORD = []


def _record(entry: dict) -> None:
    RECORD.append(entry)
    if os.environ.get("FAKE_PIKA_LOG"):
        with open(os.environ["FAKE_PIKA_LOG"], "a", encoding="utf-8") as log:
            log.write(json.dumps(entry) + "\n")


class PlainCredentials:
    def __init__(self, username, password):
        self.username, self.password = username, password


class ConnectionParameters:
    def __init__(self, host, port, virtual_host, credentials, **options):
        self.host, self.port, self.virtual_host = host, port, virtual_host
        self.credentials, self.options = credentials, options


class BasicProperties:
    def __init__(self, delivery_mode=None, content_type=None):
        self.delivery_mode, self.content_type = delivery_mode, content_type


class BlockingConnection:
    def __init__(self, parameters):
        if os.environ.get("FAKE_PIKA_REFUSE"):
            raise exceptions.AMQPConnectionError(
                exceptions.AMQPConnectorSocketConnectError(ConnectionRefusedError(111, "Connection refused"))
            )
        self.is_open = True
        _record(
            {
                "op": "connect",
                "host": parameters.host,
                "port": parameters.port,
                "vhost": parameters.virtual_host,
                "user": parameters.credentials.username,
                "heartbeat": parameters.options.get("heartbeat"),
            }
        )

    def channel(self):
        return _Channel()

    def close(self):
        self.is_open = False
        _record({"op": "close"})


class _Channel:
    def confirm_delivery(self):
        _record({"op": "confirm_delivery"})

    def exchange_declare(self, exchange, exchange_type, durable):
        _record({"op": "exchange_declare", "exchange": exchange, "type": exchange_type, "durable": durable})

    def queue_declare(self, queue, durable):
        _record({"op": "queue_declare", "queue": queue, "durable": durable})

    def queue_bind(self, queue, exchange, routing_key):
        _record({"op": "queue_bind", "queue": queue, "exchange": exchange, "routing_key": routing_key})

    def basic_publish(self, exchange, routing_key, body, properties):
        _record(
            {
                "op": "publish",
                "exchange": exchange,
                "routing_key": routing_key,
                "delivery_mode": properties.delivery_mode,
                "content_type": properties.content_type,
                "body": body.decode("utf-8"),
            }
        )
