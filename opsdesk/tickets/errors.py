"""Why the ticket domain refuses a change."""

from opsdesk.core.errors import Conflict, DomainError


class IllegalTransition(Conflict):
    code = "illegal_transition"

    def __init__(self, current: str, target: str) -> None:
        super().__init__(
            f"A ticket cannot move from {current} to {target}.",
            fields={"stage": f"not allowed from {current}"},
        )


class StaleVersion(Conflict):
    code = "stale_version"

    def __init__(self, sent: int, current: int) -> None:
        super().__init__(
            f"The ticket changed since version {sent}; it is now at version {current}. "
            "Reload it and apply your change again.",
            fields={"version": f"stale (current is {current})"},
        )


class MissingCloseSummary(DomainError):
    code = "invalid"
