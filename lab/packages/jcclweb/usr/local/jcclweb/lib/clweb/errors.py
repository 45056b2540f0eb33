"""The one error type the commands report: its text is a complete one-line message."""


class ClwebError(Exception):
    """A failure the operator can act on; str(error) names what failed and where."""
