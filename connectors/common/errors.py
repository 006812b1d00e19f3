"""Errors a connector raises, each naming what a person has to look at."""


class ConfigError(ValueError):
    """A setting is missing or malformed; the message names the environment variable."""


class SourceError(RuntimeError):
    """The source answered in a way the protocol does not allow, or stayed down."""
