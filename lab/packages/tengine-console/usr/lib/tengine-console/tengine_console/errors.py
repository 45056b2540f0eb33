"""The one exception the operator sees: its text is a single line saying what to fix."""


class ConsoleError(Exception):
    """A problem outside the code (a file, an address, a peer); str() is one line."""
