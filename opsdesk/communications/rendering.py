"""Fill a message template from a ticket: what the requester, a manager or a team reads."""

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from django.conf import settings
from django.utils import timezone
from django.utils.functional import SimpleLazyObject

from opsdesk.accounts.models import Role, User
from opsdesk.core.config_cache import cached_config
from opsdesk.core.errors import InvalidInput
from opsdesk.sla.models import ClockStatus, SlaClock, Target
from opsdesk.sla.services import policy_for
from opsdesk.tickets.impact import impact_summary
from opsdesk.tickets.models import Cos, Escalation, Ticket

from .models import MessageTemplate, TemplateKey, compile_template

COS_LABELS: dict[str, dict[str, str]] = {
    "en": {c.value: str(c.label) for c in Cos},
    "vi": {Cos.EXPEDITE: "Khẩn cấp", Cos.PRIORITY: "Ưu tiên", Cos.STANDARD: "Thông thường",
           Cos.FIXED_DATE: "Có hạn chót", Cos.INTANGIBLE: "Cải tiến"},
}
SUPPORT_TEAM = {"en": "Support team", "vi": "Đội hỗ trợ"}


@dataclass(frozen=True)
class Rendered:
    key: str
    language: str
    subject: str
    body: str


def enabled_templates() -> list[MessageTemplate]:
    """Every enabled message template."""
    return cached_config("communications.templates", lambda: list(
        MessageTemplate.objects.filter(enabled=True).order_by("id")))


def template_for(*, key: str, language: str, cos: str) -> MessageTemplate:
    """The most specific enabled template: this class before any class, then English."""
    if key not in TemplateKey.values:
        raise InvalidInput(f"Unknown template {key!r}.", fields={"template": "unknown"})
    candidates = [t for t in enabled_templates() if t.key == key and t.cos in (cos, "")]
    for lang in dict.fromkeys([language, "en"]):
        found = sorted((t for t in candidates if t.language == lang), key=lambda t: t.cos == "")
        if found:
            return found[0]
    raise InvalidInput(f"No enabled {key} template.", fields={"template": "none enabled"})


def _when(at: datetime | None, zone: ZoneInfo, now: datetime) -> str:
    if at is None:
        return ""
    local = at.astimezone(zone)
    today = now.astimezone(zone).date()
    return f"{local:%H:%M}" if local.date() == today else f"{local:%H:%M %d/%m/%Y}"


def _next_update(ticket: Ticket, clocks: dict[str, SlaClock], now: datetime) -> datetime | None:
    running = clocks.get(Target.UPDATE)
    if running is not None and running.status == ClockStatus.RUNNING:
        return running.due_at
    policy = policy_for(ticket)
    minutes = policy.minutes_for(Target.UPDATE) if policy else None
    return policy.working_hours().add(now, minutes * 60) if policy and minutes else None


def rating_link(ticket: Ticket) -> str:
    """A link the requester can follow without signing in, to rate this ticket."""
    from .ratings import rating_token

    return f"{settings.OPSDESK_BASE_URL}/rate/{rating_token(ticket)}/"


def context_for(ticket: Ticket, *, language: str, agent: User | None = None,
                escalation: Escalation | None = None,
                clocks: Iterable[SlaClock] | None = None,
                at: datetime | None = None) -> dict[str, Any]:
    """The variables a template may use, as of `at` (now if None); those that need the
    database are read only when the template uses them (the ticket's SLA clocks: unless
    given)."""
    now = at or timezone.now()
    zone = ZoneInfo(ticket.requester.time_zone or settings.TIME_ZONE)
    latest: Any = escalation if escalation is not None else SimpleLazyObject(
        lambda: ticket.escalations.order_by("-created_at").first())
    person = agent if agent is not None and agent.role != Role.SYSTEM else ticket.assignee

    groups: Any = SimpleLazyObject(lambda: list(ticket.impact_groups.all()))
    by_target: Any = SimpleLazyObject(lambda: {c.target: c for c in (
        clocks if clocks is not None else SlaClock.objects.filter(ticket=ticket))})

    def due(target: str) -> Callable[[], str]:
        return lambda: _when(by_target[target].due_at if target in by_target else None, zone,
                             now)

    return {
        "ref": ticket.ref, "title": ticket.title,
        "cos": COS_LABELS.get(language, COS_LABELS["en"])[ticket.cos],
        "cos_rationale": ticket.cos_rationale,
        "requester_name": ticket.requester.display_name,
        "agent_name": person.display_name if person else SUPPORT_TEAM.get(language, ""),
        "affected_users": ticket.affected_users,
        "affected_groups": lambda: ", ".join(f"{g.name} ({g.affected})" for g in groups),
        "impact_summary": lambda: impact_summary(ticket, groups),
        "workaround": ticket.workaround,
        "root_cause": ticket.root_cause, "resolution": ticket.resolution,
        "escalation": latest,
        "escalation_team": lambda: latest.team.name if latest else "",
        "next_update_at": lambda: _when(_next_update(ticket, by_target, now), zone, now),
        "ack_due": due(Target.ACK),
        "resolve_due": due(Target.RESOLVE),
        "rating_link": lambda: rating_link(ticket),
    }


def render(*, key: str, ticket: Ticket, language: str | None = None, agent: User | None = None,
           escalation: Escalation | None = None, at: datetime | None = None) -> Rendered:
    """Render a template for this ticket, in the ticket's language unless told otherwise,
    as of `at` (now if None)."""
    template = template_for(key=key, language=language or ticket.language, cos=ticket.cos)
    context = context_for(ticket, language=template.language, agent=agent, escalation=escalation,
                          at=at)
    return fill_template(template, context)


def render_many(*, keys: Sequence[str], ticket: Ticket,
                clocks: Iterable[SlaClock] | None = None,
                at: datetime | None = None) -> dict[str, Rendered]:
    """Render several templates for this ticket as it is `at` (now if None), reading its
    data once (its SLA clocks: unless given)."""
    contexts: dict[str, dict[str, Any]] = {}
    rendered: dict[str, Rendered] = {}
    for key in keys:
        template = template_for(key=key, language=ticket.language, cos=ticket.cos)
        if template.language not in contexts:
            contexts[template.language] = context_for(ticket, language=template.language,
                                                      clocks=clocks, at=at)
        rendered[key] = fill_template(template, contexts[template.language])
    return rendered


def fill_template(template: MessageTemplate, context: dict[str, Any]) -> Rendered:
    subject = compile_template(template.subject).render(context).strip()
    body = compile_template(template.body).render(context).strip()
    return Rendered(template.key, template.language, " ".join(subject.split()), body)
