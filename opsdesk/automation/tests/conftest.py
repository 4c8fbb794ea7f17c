"""Rules made the way a manager makes them (validated), and tickets to run them on."""

from typing import Any

import pytest

from opsdesk.automation.models import Rule
from opsdesk.tickets.models import Message, Ticket


@pytest.fixture
def make_rule(db: None) -> Any:
    """A validated, enabled rule; `when` is its trigger."""

    def make(when: str, actions: list[dict[str, Any]], conditions: Any = (),
             **fields: Any) -> Rule:
        fields.setdefault("name", f"Rule {Rule.objects.count() + 1}")
        rule = Rule(trigger=when, conditions=list(conditions), actions=actions, **fields)
        rule.full_clean()
        rule.save()
        return rule

    return make


def tag_names(ticket: Ticket) -> list[str]:
    return sorted(t.name for t in Ticket.objects.get(pk=ticket.pk).tags.all())


def events(ticket: Ticket, name: str) -> list[Message]:
    return list(Message.objects.filter(ticket=ticket, event=name).order_by("id"))
