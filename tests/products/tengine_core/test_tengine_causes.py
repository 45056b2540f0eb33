"""Short causes from libpq's messages and pika's errors. pika's error classes are recreated
by name here (this venv has no pika), nested the way pika 1.2 raises them."""

from __future__ import annotations

import socket

import pytest

from tengine_core.causes import db_cause, queue_cause


@pytest.mark.parametrize(
    "message, cause",
    [
        (
            'connection to server at "127.0.0.1", port 5432 failed: Connection refused\n'
            "\tIs the server running on that host and accepting TCP/IP connections?\n",
            "connection refused",
        ),
        (
            'connection to server at "localhost" (::1), port 5432 failed: Connection refused\n'
            "\tIs the server running on that host and accepting TCP/IP connections?\n"
            'connection to server at "localhost" (127.0.0.1), port 5432 failed: timeout expired\n',
            "timed out",
        ),
        (
            'connection to server at "10.231.10.12", port 5432 failed: FATAL:  password '
            'authentication failed for user "tengine"\n',
            'password authentication failed for user "tengine"',
        ),
        ('could not translate host name "dbx" to address: Name or service not known\n', "could not resolve host"),
        (
            "server closed the connection unexpectedly\n\tThis probably means the server terminated"
            " abnormally\n\tbefore or while processing the request.\n",
            "server closed the connection unexpectedly",
        ),
    ],
    ids=["refused", "last-attempt", "password", "dns", "lost"],
)
def test_db_causes(message, cause):
    assert db_cause(message) == cause


def pika_error(name: str, *args, module: str = "pika.exceptions", **attributes):
    error = type(name, (Exception,), {"__module__": module})(*args)
    error.__dict__.update(attributes)
    return error


def socket_connect_error(inner: OSError):
    """What BlockingConnection raises when TCP fails: AMQPConnectionError around the
    connector's error, which holds the socket's error in .exception."""
    connector = pika_error(
        "AMQPConnectorSocketConnectError", exception=inner, module="pika.adapters.utils.connection_workflow"
    )
    return pika_error("AMQPConnectionError", connector)


@pytest.mark.parametrize(
    "error, cause",
    [
        (socket_connect_error(ConnectionRefusedError(111, "Connection refused")), "connection refused"),
        (socket_connect_error(TimeoutError("TCP connection attempt timed out")), "timed out"),
        (socket.gaierror(-2, "Name or service not known"), "could not resolve host"),
        (
            pika_error(
                "AMQPConnectorStackTimeout",
                "Timeout during AMQP handshake",
                module="pika.adapters.utils.connection_workflow",
            ),
            "timed out",
        ),
        (
            pika_error(
                "ProbableAuthenticationError",
                "ConnectionClosedByBroker: (403) 'ACCESS_REFUSED"
                " - Login was refused using authentication mechanism PLAIN.'",
            ),
            "access refused for user 'tengine'",
        ),
        (
            pika_error(
                "ProbableAccessDeniedError",
                "ConnectionClosedByBroker: (530) \"NOT_ALLOWED - access to vhost '/' refused for user 'tengine'\"",
            ),
            "access to vhost '/' refused for user 'tengine'",
        ),
        (
            pika_error(
                "ConnectionClosedByBroker",
                320,
                "CONNECTION_FORCED - broker forced connection closure with reason 'shutdown'",
            ),
            "closed by the broker: CONNECTION_FORCED - broker forced connection closure with reason 'shutdown'",
        ),
        (pika_error("StreamLostError", "Transport indicated EOF"), "connection lost"),
    ],
    ids=["refused", "socket-timeout", "dns", "stack-timeout", "password", "vhost", "shutdown", "lost"],
)
def test_queue_causes(error, cause):
    assert queue_cause(error, "tengine", "/") == cause
