"""The contract every transport keeps: `send(channel, message) -> None`, or TransportError."""

from dataclasses import dataclass
from typing import TypedDict


class TransportError(Exception):
    """A message could not be delivered; `permanent` when trying again cannot help."""

    def __init__(self, message: str, permanent: bool = False) -> None:
        super().__init__(message)
        self.message = message
        self.permanent = permanent


class TicketSummary(TypedDict):
    id: int
    ref: str
    title: str
    cos: str
    stage: str


@dataclass(frozen=True)
class ChannelMessage:
    """What is said to a channel: the event, a title, a body and the ticket it is about."""

    event: str
    title: str
    body: str
    ticket: TicketSummary | None = None
    delivery_id: int | None = None
