"""The steps of an incident's life, each called by a workflow (opsdesk/workflows/incidents.py)."""

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.db.models import Q

from opsdesk.accounts.models import User
from opsdesk.core.errors import Conflict, InvalidInput
from opsdesk.tickets.models import Cos, Message, Ticket
from opsdesk.tickets.services import UNSET, event_message

from .impact import reach_of
from .models import (
    Component,
    FollowUp,
    Incident,
    IncidentCandidate,
    IncidentEvent,
    IncidentSource,
    IncidentStatus,
    IncidentUpdate,
)

# From the most urgent: an incident's class only moves up this list by itself.
URGENCY = (Cos.EXPEDITE, Cos.PRIORITY, Cos.FIXED_DATE, Cos.STANDARD, Cos.INTANGIBLE)
STATUS_TIMES: dict[str, str] = {IncidentStatus.IDENTIFIED: "identified_at",
                IncidentStatus.MONITORING: "monitoring_at",
                IncidentStatus.RESOLVED: "resolved_at"}
MAX_GROUPS = 50


@dataclass(frozen=True)
class Reclassified:
    incident: Incident
    previous_cos: str

    @property
    def became_expedite(self) -> bool:
        return self.incident.cos == Cos.EXPEDITE != self.previous_cos


def record_event(*, incident: Incident, kind: str, body: str = "",
                 data: dict[str, Any] | None = None, actor: User | None = None,
                 at: datetime) -> IncidentEvent:
    """Add an entry to the incident's timeline."""
    return IncidentEvent.objects.create(incident=incident, kind=kind, body=body,
                                        data=data or {}, actor=actor, at=at)


def clean_title(title: str) -> str:
    """A one-line title, or a clear error."""
    title = " ".join((title or "").split())
    if not title:
        raise InvalidInput("An incident needs a title.", fields={"title": "required"})
    if len(title) > 300:
        raise InvalidInput("The title is too long (300 characters at most).",
                           fields={"title": "at most 300 characters"})
    return title


def clean_groups(groups: Iterable[str]) -> list[str]:
    """Group names as given, trimmed, each once (case-insensitively)."""
    seen: dict[str, str] = {}
    for name in groups:
        name = " ".join(str(name).split())
        if not name or len(name) > 100:
            raise InvalidInput("A group is a name of 1 to 100 characters.",
                               fields={"groups": "1 to 100 characters each"})
        seen.setdefault(name.casefold(), name)
    if len(seen) > MAX_GROUPS:
        raise InvalidInput(f"At most {MAX_GROUPS} groups.", fields={"groups": "too many"})
    return list(seen.values())


def components_named(names: Iterable[str]) -> list[Component]:
    """The components of these names, created when new."""
    found = []
    for name in dict.fromkeys(" ".join(n.split()) for n in names):
        if not name or len(name) > 120:
            raise InvalidInput("A component is a name of 1 to 120 characters.",
                               fields={"components": "1 to 120 characters each"})
        found.append(Component.objects.filter(name__iexact=name).first()
                     or Component.objects.create(name=name))
    return found


def check_cos(cos: str) -> str:
    if cos not in Cos.values:
        raise InvalidInput(f"Unknown class of service {cos!r}.",
                           fields={"cos": f"one of {', '.join(Cos.values)}"})
    return cos


def store_incident(*, title: str, actor: User, cos: str | None, components: Sequence[str],
                   groups: Sequence[str], summary: str, from_ticket: Ticket | None,
                   source: str, owner: User | None, detected_at: datetime | None,
                   at: datetime) -> Incident:
    """Create the incident row (a class given by hand is its floor)."""
    given_cos = check_cos(cos) if cos else None
    found_at = min(detected_at or at, from_ticket.received_at if from_ticket else at)
    incident = Incident.objects.create(
        title=clean_title(title), summary=summary.strip(), cos=given_cos or Cos.PRIORITY,
        cos_rationale="set when opened" if given_cos else "", groups=clean_groups(groups),
        owner=owner, source=source, from_ticket=from_ticket, detected_at=found_at,
        opened_at=at, created_by=actor, updated_at=at)
    incident.components.set(components_named(components))
    record_event(incident=incident, kind="opened", actor=actor, at=at,
                 body=f"Opened {IncidentSource(source).label.lower()}.",
                 data={"source": source, "ticket_id": from_ticket.pk if from_ticket else None})
    return incident


def attach_tickets(*, incident: Incident, tickets: Sequence[Ticket], actor: User,
                   scores: Mapping[int, float] | None, at: datetime) -> list[Ticket]:
    """Link the tickets not linked to it yet (`scores`: how well each matched, when linked
    automatically); each gets an event, the incident one."""
    new = [t for t in tickets if t.incident_id != incident.pk]
    if not new:
        return []
    Ticket.objects.filter(pk__in=[t.pk for t in new]).update(incident=incident, updated_at=at)

    def how(ticket: Ticket) -> str:
        return "by hand" if scores is None else f"automatically (score {scores[ticket.pk]:.2f})"

    Message.objects.bulk_create(event_message(
        ticket=t, actor=actor, event="incident_linked", at=at,
        body=f"Linked to {incident.ref} {incident.title} {how(t)}.",
        data={"incident_id": incident.pk, "score": scores[t.pk] if scores else None})
        for t in new)
    IncidentCandidate.objects.filter(ticket__in=new).delete()
    for ticket in new:
        ticket.incident = incident
    manner = "by hand" if scores is None else "automatically"
    record_event(incident=incident, kind="linked", actor=actor, at=at,
                 body=f"{len(new)} ticket(s) linked {manner}: "
                 + ", ".join(t.ref for t in new[:20]) + (" …" if len(new) > 20 else ""),
                 data={"ticket_ids": [t.pk for t in new], "automatic": scores is not None})
    return new


def detach_ticket(*, incident: Incident, ticket: Ticket, actor: User, at: datetime) -> None:
    """Unlink a ticket linked by mistake."""
    if ticket.incident_id != incident.pk:
        raise InvalidInput(f"{ticket.ref} is not linked to {incident.ref}.",
                           fields={"ticket_id": "not linked"})
    Ticket.objects.filter(pk=ticket.pk).update(incident=None, updated_at=at)
    ticket.incident = None
    Message.objects.bulk_create([event_message(
        ticket=ticket, actor=actor, event="incident_unlinked", at=at,
        body=f"Unlinked from {incident.ref}.", data={"incident_id": incident.pk})])
    record_event(incident=incident, kind="unlinked", actor=actor, at=at,
                 body=f"{ticket.ref} unlinked.", data={"ticket_id": ticket.pk})


def store_candidates(*, found: dict[int, list[tuple[int, float]]], at: datetime) -> None:
    """Record, for tickets not linked, the incidents they look like (shown to the agent)."""
    IncidentCandidate.objects.bulk_create(
        [IncidentCandidate(ticket_id=ticket_id, incident_id=incident_id, score=score,
                           found_at=at)
         for ticket_id, matches in found.items() for incident_id, score in matches],
        update_conflicts=True, unique_fields=["ticket", "incident"],
        update_fields=["score", "found_at"])


def reclassify(*, incident: Incident, actor: User, at: datetime) -> Reclassified:
    """Count the incident's reach again (the union of its tickets' impact) and raise its
    class if that reach calls for a more urgent one (an override stays)."""
    previous = incident.cos
    reach = reach_of(incident)
    incident.affected_users = reach.affected_users
    fields = ["affected_users", "updated_at"]
    if not incident.cos_overridden and URGENCY.index(reach.cos) < URGENCY.index(incident.cos):
        incident.cos, incident.cos_rationale = reach.cos, reach.rationale
        fields += ["cos", "cos_rationale"]
        record_event(incident=incident, kind="cos_changed", actor=actor, at=at,
                     body=f"{Cos(previous).label} → {Cos(reach.cos).label}: {reach.rationale}",
                     data={"cos": reach.cos, "previous": previous})
    incident.updated_at = at
    incident.save(update_fields=fields)
    return Reclassified(incident, previous)


def edit_fields(
    *, incident: Incident, actor: User, title: str, summary: str, cos: str, cos_reason: str,
    components: Sequence[str], groups: Sequence[str], owner: User | None, root_cause: str,
    at: datetime,
) -> list[str]:
    """Apply the fields given (UNSET: left as is), each change an event; the names changed."""
    changed: list[str] = []
    for name, value in (("title", title), ("summary", summary), ("root_cause", root_cause)):
        if value is not UNSET:
            value = clean_title(value) if name == "title" else value.strip()
            if value != getattr(incident, name):
                setattr(incident, name, value)
                changed.append(name)
    if groups is not UNSET and clean_groups(groups) != incident.groups:
        incident.groups = clean_groups(groups)
        changed.append("groups")
    if owner is not UNSET and owner != incident.owner:
        incident.owner = owner
        changed.append("owner")
    if cos is not UNSET and cos != incident.cos:
        if not cos_reason.strip():
            raise InvalidInput("Say why the class is set by hand.",
                               fields={"cos_reason": "required with cos"})
        incident.cos, incident.cos_overridden = check_cos(cos), True
        incident.cos_rationale = f"set by hand: {cos_reason.strip()}"
        changed.append("cos")
    if components is not UNSET:
        wanted = components_named(components)
        if {c.pk for c in wanted} != set(incident.components.values_list("pk", flat=True)):
            incident.components.set(wanted)
            changed.append("components")
    if changed:
        incident.updated_at, incident.version = at, incident.version + 1
        incident.save()
        record_event(incident=incident, kind="changed", actor=actor, at=at,
                     body="Changed: " + ", ".join(changed) + ".", data={"fields": changed})
    return changed


def lock_incident(*, incident: Incident, version: int | None) -> Incident:
    """Read the incident again under its row lock; a stale `version` is a conflict."""
    locked = Incident.objects.select_for_update().get(pk=incident.pk)
    if version is not None and version != locked.version:
        raise Conflict(f"{incident.ref} changed since version {version} "
                       f"(now {locked.version}); reload it.", fields={"version": "stale"})
    return locked


def set_status(*, incident: Incident, status: str, actor: User, at: datetime) -> bool:
    """Move the incident to a status, stamping when it was reached; whether it moved."""
    if status not in IncidentStatus.values:
        raise InvalidInput(f"Unknown status {status!r}.",
                           fields={"status": f"one of {', '.join(IncidentStatus.values)}"})
    if status == incident.status:
        return False
    previous, incident.status = incident.status, status
    if status in STATUS_TIMES and getattr(incident, STATUS_TIMES[status]) is None:
        setattr(incident, STATUS_TIMES[status], at)
    if previous == IncidentStatus.RESOLVED:  # reopened
        incident.resolved_at = incident.watch_until = None
    incident.updated_at, incident.version = at, incident.version + 1
    incident.save()
    record_event(incident=incident, kind="status", actor=actor, at=at,
                 body=f"{IncidentStatus(previous).label} → {IncidentStatus(status).label}.",
                 data={"status": status, "previous": previous})
    return True


def store_update(*, incident: Incident, actor: User, body: str, body_vi: str, public: bool,
                 at: datetime) -> IncidentUpdate:
    """Write a public update or an internal note as the incident's status now is."""
    if not body.strip():
        raise InvalidInput("An update needs a body.", fields={"body": "required"})
    update = IncidentUpdate.objects.create(
        incident=incident, status=incident.status, body=body.strip(),
        body_vi=body_vi.strip(), public=public, author=actor, created_at=at)
    record_event(incident=incident, kind="update" if public else "note", actor=actor, at=at,
                 body=update.body, data={"update_id": update.pk, "public": public})
    return update


def mark_resolved(*, incident: Incident, actor: User, resolution: str, root_cause: str,
                  at: datetime) -> Incident:
    """Resolve the incident, start watching for its return, and schedule the follow-ups."""
    if not resolution.strip():
        raise InvalidInput("Say how it was resolved.", fields={"resolution": "required"})
    if incident.status == IncidentStatus.RESOLVED:
        raise Conflict(f"{incident.ref} is resolved already.", fields={"status": "resolved"})
    incident.resolution = resolution.strip()
    incident.root_cause = root_cause.strip() or incident.root_cause
    incident.watch_until = at + timedelta(hours=settings.OPSDESK_INCIDENT_WATCH_HOURS)
    set_status(incident=incident, status=IncidentStatus.RESOLVED, actor=actor, at=at)
    FollowUp.objects.bulk_create(
        FollowUp(incident=incident, title=title, due_at=at + timedelta(minutes=minutes))
        for title, minutes in settings.OPSDESK_INCIDENT_FOLLOW_UPS)
    return incident


def watched_incidents(*, at: datetime) -> Q:
    """Incidents new tickets are compared with: active ones, and resolved ones watched."""
    return ~Q(status=IncidentStatus.RESOLVED) | Q(watch_until__gte=at)
