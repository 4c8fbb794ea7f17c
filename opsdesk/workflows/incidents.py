"""An incident's life: it opens, tickets are linked to it, it is updated, it is resolved."""

from collections.abc import Sequence
from datetime import datetime
from functools import partial

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from opsdesk.accounts.models import User
from opsdesk.accounts.services import system_user
from opsdesk.communications.incident_notices import announce_expedite, flag_return
from opsdesk.core.errors import InvalidInput
from opsdesk.incidents import matching
from opsdesk.incidents import services as incidents
from opsdesk.incidents.models import Incident, IncidentSource, IncidentStatus, IncidentUpdate
from opsdesk.status.notices import queue_subscriber_notices
from opsdesk.tickets.models import Cos, Ticket
from opsdesk.tickets.services import UNSET, NewTicket


def open_incident(
    *, title: str, actor: User, cos: str | None = None, components: Sequence[str] = (),
    groups: Sequence[str] = (), summary: str = "", from_ticket: Ticket | None = None,
    source: str | None = None, owner: User | None = None, detected_at: datetime | None = None,
    at: datetime | None = None,
) -> Incident:
    """A service problem is declared (by hand, from a ticket, from an alert): store it,
    link its first ticket, count its reach and class, and announce it if Expedite.
    `at`: when it happened, now if None."""
    at = at or timezone.now()
    source = source or (IncidentSource.TICKET if from_ticket else IncidentSource.MANUAL)
    with transaction.atomic():
        incident = incidents.store_incident(
            title=title, actor=actor, cos=cos, components=components, groups=groups,
            summary=summary, from_ticket=from_ticket, source=source, owner=owner,
            detected_at=detected_at, at=at)
        if from_ticket is not None:
            incidents.attach_tickets(incident=incident, tickets=[from_ticket], actor=actor,
                                     scores=None, at=at)
        incidents.reclassify(incident=incident, actor=actor, at=at)
        if incident.cos == Cos.EXPEDITE:
            announce_expedite(incident=incident, at=at)
    return incident


def link_tickets(*, incident: Incident, tickets: Sequence[Ticket], actor: User,
                 at: datetime | None = None) -> list[Ticket]:
    """Tickets are reports of this incident: link them, count its reach again (announce it
    if that makes it Expedite), and answer their requesters not answered yet with its
    latest public update. `at`: when it happened, now if None."""
    at = at or timezone.now()
    with transaction.atomic():
        linked = incidents.attach_tickets(incident=incident, tickets=tickets, actor=actor,
                                          scores=None, at=at)
        if linked:
            _reclassify(incident, actor=actor, at=at)
            _answer_on_commit(incident, linked)
    return linked


def unlink_ticket(*, incident: Incident, ticket: Ticket, actor: User,
                  at: datetime | None = None) -> None:
    """A ticket was linked by mistake: unlink it and count the incident's reach again."""
    at = at or timezone.now()
    with transaction.atomic():
        incidents.detach_ticket(incident=incident, ticket=ticket, actor=actor, at=at)
        incidents.reclassify(incident=incident, actor=actor, at=at)


def link_reports(*, created: Sequence[NewTicket], at: datetime) -> set[int]:
    """A step of opening tickets: each new ticket that matches an incident above the link
    threshold is linked to the best one (a resolved incident still watched is reopened or
    flagged to its owner); those below keep it as a candidate for the agent. Returns the
    tickets linked: their requesters are answered with the incident's update instead of
    the usual fan-out."""
    matches = matching.match_new_tickets(created=created, at=at)
    if not any(matches.values()):
        return set()
    actor = system_user()
    found_incidents = Incident.objects.in_bulk(
        list({m.incident_id for found in matches.values() for m in found}))
    to_link: dict[int, list[Ticket]] = {}
    suggested: dict[int, list[tuple[int, float]]] = {}
    for new in created:
        found = matches.get(new.ticket.pk) or []
        if not found:
            continue
        best = found[0]
        incident = found_incidents[best.incident_id]
        if best.score >= matching.link_threshold() and _takes_report(
                incident, new.ticket, actor, at):
            to_link.setdefault(incident.pk, []).append(new.ticket)
        else:
            suggested[new.ticket.pk] = [(m.incident_id, m.score) for m in found]
    incidents.store_candidates(found=suggested, at=at)
    for incident_id, tickets in to_link.items():
        incident = found_incidents[incident_id]
        incidents.attach_tickets(incident=incident, tickets=tickets, actor=actor, at=at,
                                 scores={t.pk: matches[t.pk][0].score for t in tickets})
        _reclassify(incident, actor=actor, at=at)
        _answer_on_commit(incident, tickets)
    return {t.pk for tickets in to_link.values() for t in tickets}


def _takes_report(incident: Incident, ticket: Ticket, actor: User, at: datetime) -> bool:
    """Whether a matching new ticket is linked: yes while active; a resolved incident
    (still watched) is reopened if so configured, else flagged to its owner."""
    if incident.is_active:
        return True
    if settings.OPSDESK_INCIDENT_REOPEN_ON_MATCH:
        incidents.set_status(incident=incident, status=IncidentStatus.INVESTIGATING,
                             actor=actor, at=at)
        incidents.record_event(incident=incident, kind="reopened", actor=actor, at=at,
                               body=f"Reopened: {ticket.ref} reports it again.",
                               data={"ticket_id": ticket.pk})
        return True
    incidents.record_event(incident=incident, kind="flagged", actor=actor, at=at,
                           body=f"{ticket.ref} looks like it after it was resolved.",
                           data={"ticket_id": ticket.pk})
    flag_return(incident=incident, ticket=ticket, at=at)
    return False


def _reclassify(incident: Incident, *, actor: User, at: datetime) -> None:
    if incidents.reclassify(incident=incident, actor=actor, at=at).became_expedite:
        announce_expedite(incident=incident, at=at)


def _answer_on_commit(incident: Incident, tickets: Sequence[Ticket]) -> None:
    """The linked requesters not answered yet get the incident's latest public update, from
    the worker once committed (it is their ACK)."""
    from opsdesk.incidents.tasks import answer_linked_reports

    if settings.OPSDESK_AUTO_NOTIFY:
        transaction.on_commit(partial(answer_linked_reports.enqueue,
                                      ticket_ids=[t.pk for t in tickets],
                                      incident_id=incident.pk))


def post_update(
    *, incident: Incident, actor: User, body: str, body_vi: str = "", status: str | None = None,
    public: bool = True, notify: bool = True, version: int | None = None,
    at: datetime | None = None,
) -> IncidentUpdate:
    """Say where the incident stands: a public update (status page, banner, and, with
    `notify`, a reply to every linked requester) or an internal note; `status` moves it
    on. `at`: when, now if None."""
    from opsdesk.incidents.tasks import tell_linked_requesters

    at = at or timezone.now()
    if status == IncidentStatus.RESOLVED:
        raise InvalidInput("Resolve the incident with its resolution instead.",
                           fields={"status": "use resolve"})
    with transaction.atomic():
        incident = incidents.lock_incident(incident=incident, version=version)
        if status and public:
            incidents.set_status(incident=incident, status=status, actor=actor, at=at)
        update = incidents.store_update(incident=incident, actor=actor, body=body,
                                        body_vi=body_vi, public=public, at=at)
        if public and notify:
            transaction.on_commit(partial(tell_linked_requesters.enqueue,
                                          update_id=update.pk, actor_id=actor.pk))
        queue_subscriber_notices(update=update)  # the status page's subscribers; public only
    return update


def resolve_incident(
    *, incident: Incident, actor: User, resolution: str, root_cause: str = "",
    resolution_vi: str = "", notify: bool = True, version: int | None = None,
    at: datetime | None = None,
) -> Incident:
    """The incident is fixed: resolve it (its return is watched for a while, follow-ups are
    scheduled), publish the resolution, and move every open linked ticket to Resolved
    with, if `notify`, the resolution as a reply to its requester. `at`: now if None."""
    from opsdesk.incidents.tasks import resolve_linked_tickets

    at = at or timezone.now()
    with transaction.atomic():
        incident = incidents.lock_incident(incident=incident, version=version)
        incidents.mark_resolved(incident=incident, actor=actor, resolution=resolution,
                                root_cause=root_cause, at=at)
        update = incidents.store_update(incident=incident, actor=actor, body=resolution,
                                        body_vi=resolution_vi, public=True, at=at)
        transaction.on_commit(partial(resolve_linked_tickets.enqueue, update_id=update.pk,
                                      actor_id=actor.pk, notify=notify))
        queue_subscriber_notices(update=update)
    return incident


def change_incident(
    *, incident: Incident, actor: User, version: int | None = None, title: str = UNSET,
    summary: str = UNSET, status: str = UNSET, cos: str = UNSET, cos_reason: str = "",
    components: Sequence[str] = UNSET, groups: Sequence[str] = UNSET,
    owner: User | None = UNSET, root_cause: str = UNSET, at: datetime | None = None,
) -> Incident:
    """Edit an incident (title, summary, status short of resolved, class by hand with a
    reason, components, groups, owner, root cause); each change is on its timeline."""
    at = at or timezone.now()
    if status is not UNSET and status == IncidentStatus.RESOLVED:
        raise InvalidInput("Resolve the incident with its resolution instead.",
                           fields={"status": "use resolve"})
    with transaction.atomic():
        incident = incidents.lock_incident(incident=incident, version=version)
        previous_cos = incident.cos
        changed = incidents.edit_fields(
            incident=incident, actor=actor, title=title, summary=summary, cos=cos,
            cos_reason=cos_reason, components=components, groups=groups, owner=owner,
            root_cause=root_cause, at=at)
        if status is not UNSET:
            incidents.set_status(incident=incident, status=status, actor=actor, at=at)
        if changed and incident.cos == Cos.EXPEDITE != previous_cos:
            announce_expedite(incident=incident, at=at)
    return incident
