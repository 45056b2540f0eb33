"""pika.exceptions' names the agent may meet (the real ones, in pika 1.x)."""


class AMQPError(Exception):
    pass


class AMQPConnectionError(AMQPError):
    pass


class AMQPConnectorSocketConnectError(AMQPError):
    """Holds the socket's error in .exception, not in args (pika.adapters.utils)."""

    def __init__(self, exception, *args):
        super().__init__(*args)
        self.exception = exception


class ProbableAuthenticationError(AMQPConnectionError):
    pass


class ChannelClosedByBroker(AMQPError):
    pass
