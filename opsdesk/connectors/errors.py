"""The one exception every connector raises: what failed, and whether trying again can help."""


class ConnectorError(Exception):
    """An outside system could not do what was asked; `retryable` when a later try may work.

    Messages name the system and the failure (a status, a timeout, a refused connection),
    never the URL's query nor personal data: they are stored on tickets and in run logs.
    """

    def __init__(self, message: str, *, retryable: bool, status: int | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.retryable = retryable
        self.status = status

    def __repr__(self) -> str:
        return f"ConnectorError({self.message!r}, retryable={self.retryable})"
