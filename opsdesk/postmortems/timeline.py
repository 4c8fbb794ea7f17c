"""A postmortem's timeline: the incident's recorded steps (events, public updates and
internal notes, its tickets' arrival), with the desk's edits laid over them."""

from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import datetime

from opsdesk.incidents.models import Incident, IncidentEvent, IncidentUpdate
from opsdesk.tickets.models import Ticket

from .models import TimelineEdit

LABELS = {
    "detected": "Detected", "opened": "Opened", "action": "Action", "note": "Note",
    "escalated": "Escalated", "identified": "Identified", "monitoring": "Monitoring",
    "resolved": "Resolved", "status": "Status", "update": "Public update",
    "internal_note": "Internal note", "linked": "Ticket linked", "ticket": "Ticket reported",
    "alert_fired": "Alert fired", "alert_resolved": "Alert recovered", "trigger": "Trigger",
    "unlinked": "Ticket unlinked", "cos_changed": "Class changed", "changed": "Edited",
    "reopened": "Reopened", "flagged": "Flagged",
}


def label_of(kind: str) -> str:
    """How a kind of step reads in a postmortem ("alert_fired" → "Alert fired")."""
    return LABELS.get(kind, kind.replace("_", " ").capitalize())


@dataclass(frozen=True)
class Step:
    """One line of the timeline. `id` names it for edits: event-12, update-3, ticket-7,
    added-2. A misleading step stays in the timeline, marked, with why in `note`."""

    id: str
    at: datetime
    kind: str
    body: str
    misleading: bool = False
    note: str = ""
    edited: bool = False
    added: bool = False
    status: str = ""  # the incident status it moved to, if it did

    @property
    def label(self) -> str:
        return label_of(self.kind)


def recorded_steps(incident: Incident) -> list[Step]:
    """Every step the incident's record holds, in time order."""
    updates = list(IncidentUpdate.objects.filter(incident=incident).order_by("created_at", "id"))
    said = {(u.created_at, u.body.strip()) for u in updates}
    update_ids = {u.pk for u in updates}
    # An update's own event repeats it: the update is the fuller record.
    steps = [_event_step(e) for e in IncidentEvent.objects.filter(incident=incident)
             .order_by("at", "id")
             if e.data.get("update_id") not in update_ids and (e.at, e.body.strip()) not in said]
    steps += [_update_step(u) for u in updates]  # after the status change it announces
    tickets = Ticket.objects.filter(incident=incident).only("id", "title", "created_at")
    steps += [Step(id=f"ticket-{t.pk}", at=t.created_at, kind="ticket",
                   body=f"{t.ref} {t.title}") for t in tickets]
    return sorted(steps, key=lambda s: s.at)


def _event_step(event: IncidentEvent) -> Step:
    body = event.body.strip()
    data = event.data if isinstance(event.data, dict) else {}
    status = str(data.get("status") or "")
    if not body and status:
        body = f"Status changed to {status}."
    return Step(id=f"event-{event.pk}", at=event.at, kind=event.kind, body=body,
                misleading=bool(data.get("misleading")), note=str(data.get("note", "")),
                status=status)


def _update_step(update: IncidentUpdate) -> Step:
    kind = "update" if update.public else "internal_note"
    body = update.body.strip()
    if update.public:
        body = f"({update.status}) {body}"
    return Step(id=f"update-{update.pk}", at=update.created_at, kind=kind, body=body,
                status=update.status)


def with_edits(steps: Iterable[Step], edits: Iterable[TimelineEdit]) -> list[Step]:
    """The recorded steps as the desk edited them, with the steps it added, in time order."""
    edits = list(edits)
    by_source = {e.source: e for e in edits if e.source}
    timeline = [_edited(step, by_source[step.id]) if step.id in by_source else step
                for step in steps]
    timeline += [Step(id=e.step_id, at=e.at, kind=e.kind or "note", body=e.body,
                      misleading=e.misleading, note=e.note, added=True)
                 for e in edits if not e.source and e.at is not None]
    return sorted(timeline, key=lambda s: s.at)


def _edited(step: Step, edit: TimelineEdit) -> Step:
    return replace(step, at=edit.at or step.at, kind=edit.kind or step.kind,
                   body=edit.body or step.body, misleading=edit.misleading or step.misleading,
                   note=edit.note or step.note, edited=True)
