"""Errors a connector raises, each naming what a person has to look at."""


class ConfigError(ValueError):
    """A setting is missing or malformed; the message names the environment variable."""


class SourceError(RuntimeError):
    """The source answered in a way the protocol does not allow, or stayed down."""


class HttpStatusError(SourceError):
    """The source refused a request with an HTTP status that retrying cannot fix (4xx)."""

    def __init__(self, message: str, status: int) -> None:
        super().__init__(message)
        self.status = status
