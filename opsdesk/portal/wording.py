"""Plain words for the requester: what a Class of Service means, what an event was."""

from typing import Any

from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from opsdesk.tickets.models import Cos, Message, Stage

COS_IN_PLAIN_WORDS: dict[str, Promise] = {
    Cos.EXPEDITE: gettext_lazy("Urgent: many people or a critical function are affected. "
                               "The team works on it first and keeps you updated often."),
    Cos.PRIORITY: gettext_lazy("High: a group of people is affected. It is handled before "
                               "routine requests."),
    Cos.STANDARD: gettext_lazy("Normal: it is handled in turn, during business hours."),
    Cos.FIXED_DATE: gettext_lazy("Planned for a date: the team works towards the date you "
                                 "asked for."),
    Cos.INTANGIBLE: gettext_lazy("An improvement: it is considered for future work."),
}


def cos_in_plain_words(cos: str) -> str:
    """One sentence on how the desk treats a ticket of this class."""
    return str(COS_IN_PLAIN_WORDS.get(cos, ""))


def event_sentence(message: Message) -> str:
    """A public event told in the reader's language (the stored body is for the desk)."""
    data: dict[str, Any] = message.data or {}
    if message.event == "created":
        return _("Ticket received.")
    if message.event == "stage_changed" and data.get("to") in Stage.values:
        return _("Stage changed to %(stage)s.") % {"stage": Stage(data["to"]).label}
    return _("Ticket updated.")
