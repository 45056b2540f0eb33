"""The errors the commands report: str(error) is a complete one-line message."""


class AgentError(Exception):
    """A failure the operator can act on; str(error) names what failed and where."""


class ConfigError(AgentError):
    """The config file is missing or wrong: `<file>: <key>: <problem>` (the commands exit 2)."""
