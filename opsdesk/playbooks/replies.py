"""Render a playbook's reply to the requester, in the ticket's language (English otherwise)."""

import importlib
from dataclasses import dataclass
from typing import Any

from opsdesk.communications.models import compile_template
from opsdesk.communications.rendering import context_for
from opsdesk.tickets.models import Ticket

from .models import ReplyTemplate

_MIGRATION = "opsdesk.playbooks.migrations.0002_login_recovery_replies"


@dataclass(frozen=True)
class Reply:
    key: str
    language: str
    subject: str
    body: str


def _pick(key: str, language: str) -> tuple[str, str, str] | None:
    """(language, subject, body) of the reply: the ticket's language, else English. A
    disabled row is passed over; a missing one falls back to the shipped texts."""
    rows = {t.language: t for t in ReplyTemplate.objects.filter(
        key=key, language__in=[language, "en"])}
    shipped: dict[tuple[str, str], tuple[str, str]] = importlib.import_module(_MIGRATION).TEXTS
    for lang in dict.fromkeys([language, "en"]):
        row = rows.get(lang)
        if row is not None and row.enabled:
            return lang, row.subject, row.body
        if row is None and (key, lang) in shipped:
            return lang, *shipped[(key, lang)]
    return None


def render_reply(*, key: str, ticket: Ticket, extra: dict[str, Any]) -> Reply:
    """The reply `key` for this ticket, with the playbook's variables in `extra`."""
    picked = _pick(key, ticket.language or "en")
    if picked is None:
        raise LookupError(f"no enabled reply template {key!r}")
    language, subject_source, body_source = picked
    context = {**context_for(ticket, language=language), **extra}
    subject = compile_template(subject_source).render(context).strip()
    body = compile_template(body_source).render(context).strip()
    return Reply(key, language, " ".join(subject.split()), body)
