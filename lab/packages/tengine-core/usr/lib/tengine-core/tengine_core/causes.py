"""Short causes for failures of the DB and the queue, from the client libraries' errors:
`connection refused`, `timed out`, `password authentication failed for user "tengine"`,
`access refused for user 'tengine'`, `could not resolve host`, ...

pika's errors are told apart by class name, so this module (and everything that reports a
failure) imports without pika; the names are pika 1.x's public ones."""
from __future__ import annotations

import re
import socket
from typing import Iterator

OS_CAUSES = (  # most specific first: these are subclasses of OSError
    (socket.gaierror, "could not resolve host"),
    (ConnectionRefusedError, "connection refused"),
    (ConnectionResetError, "connection reset"),
    (TimeoutError, "timed out"),  # socket.timeout is TimeoutError since Python 3.10
)

LIBPQ_CAUSES = {
    "Connection refused": "connection refused",
    "timeout expired": "timed out",
}

BROKER_REPLY = re.compile(r"\((\d+)\) ['\"](.*)['\"]")


def os_cause(error: OSError) -> str:
    for kind, cause in OS_CAUSES:
        if isinstance(error, kind):
            return cause
    text = error.strerror or str(error) or type(error).__name__
    return text[:1].lower() + text[1:]


def db_cause(message: str) -> str:
    """The cause in a psycopg2 (libpq) error message.

    libpq writes `connection to server at "H" (A), port P failed: CAUSE` once per address it
    tried, each with a hint line; the last attempt's cause is the one to show."""
    lines = [line.strip() for line in message.strip().splitlines() if line.strip()]
    if not lines:
        return "unknown error"
    if lines[0].startswith("could not translate host name"):
        return "could not resolve host"
    attempts = [line.split(" failed: ", 1)[1] for line in lines if " failed: " in line]
    cause = (attempts[-1] if attempts else lines[0]).removeprefix("FATAL:").strip()
    return LIBPQ_CAUSES.get(cause, cause)


def _chain(error: BaseException) -> Iterator[BaseException]:
    """error and every error inside it, outermost first: pika wraps the socket's error in
    its connector's errors (.exception, .exceptions, args) depending on where it failed."""
    seen = set()
    pending = [error]
    while pending:
        current = pending.pop(0)
        if id(current) in seen:
            continue
        seen.add(id(current))
        yield current
        inner = [getattr(current, "exception", None), *getattr(current, "exceptions", ()),
                 *current.args, current.__cause__, current.__context__]
        pending.extend(e for e in inner if isinstance(e, BaseException))


def _broker_reply(error: BaseException) -> str | None:
    """The broker's reply text, e.g. `NOT_ALLOWED - vhost x not found`, found in pika's
    error (a reply code and text, or the repr of the close that caused it)."""
    if len(error.args) == 2 and isinstance(error.args[0], int):
        return str(error.args[1])
    match = BROKER_REPLY.search(" ".join(str(arg) for arg in error.args))
    return match.group(2) if match else None


def queue_cause(error: BaseException, user: str, vhost: str) -> str:
    """The cause in a pika error (or a socket error raised through pika)."""
    for current in _chain(error):
        name = type(current).__name__
        if isinstance(current, OSError):
            return os_cause(current)
        if name in ("ProbableAuthenticationError", "AuthenticationError"):
            return f"access refused for user '{user}'"
        if name == "ProbableAccessDeniedError":
            reply = _broker_reply(current)
            return (reply.removeprefix("NOT_ALLOWED - ") if reply
                    else f"access to vhost '{vhost}' refused for user '{user}'")
        if name == "IncompatibleProtocolError":
            return "the server closed the connection during the AMQP handshake"
        if name == "AMQPConnectorStackTimeout":
            return "timed out"
        if name == "AMQPHeartbeatTimeout":
            return "no heartbeat from the broker"
        if name == "StreamLostError":
            return "connection lost"
        if name in ("ConnectionClosedByBroker", "ChannelClosedByBroker"):
            return f"closed by the broker: {_broker_reply(current)}"
    return str(error) or type(error).__name__
