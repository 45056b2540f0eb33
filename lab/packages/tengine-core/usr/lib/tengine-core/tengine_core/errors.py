"""The errors the commands report: str(error) is a complete one-line message."""


class TengineError(Exception):
    """A failure the operator can act on; str(error) names what failed and where."""


class ConfigError(TengineError):
    """tengined.yml is missing or wrong: `<file>: <key>: <problem>` (the commands exit 2)."""


class ServerError(TengineError):
    """The DB or the queue failed: `<part> <host>:<port>: <cause>`, part = db | event_queue."""

    def __init__(self, part: str, address: str, cause: str):
        super().__init__(f"{part} {address}: {cause}")
