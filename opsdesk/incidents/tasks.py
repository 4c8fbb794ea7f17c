"""Background jobs of incidents: answering linked requesters, resolving their tickets,
reminding of follow-ups."""

from collections.abc import Sequence
from datetime import datetime

from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django_tasks import task

from opsdesk.accounts.models import STAFF_ROLES, User
from opsdesk.accounts.services import system_user
from opsdesk.communications.incident_notices import remind_follow_up
from opsdesk.communications.incident_replies import incident_reply_drafts
from opsdesk.communications.models import TemplateKey
from opsdesk.core.jobs import delivering_together
from opsdesk.tickets.models import OPEN_STAGES, Message, MessageKind, Stage, Ticket

from .models import FollowUp, Incident, IncidentUpdate

CHUNK = 100  # tickets answered (or resolved) per transaction, their emails sent together
INCIDENT_REPLIES = (TemplateKey.INCIDENT_UPDATE, TemplateKey.INCIDENT_RESOLUTION)


def latest_public_update(incident: Incident) -> IncidentUpdate | None:
    """What the incident last said in public."""
    return incident.updates.filter(public=True).order_by("-created_at", "-id").first()


def _lock_open_tickets(ids: Sequence[int]) -> list[Ticket]:
    """The open ones of these tickets, locked in one read (see lock_ticket), with the
    people their replies go to."""
    return list(Ticket.objects.select_for_update(of=("self",), no_key=True)
                .filter(pk__in=ids, stage__in=OPEN_STAGES).select_related("requester", "assignee")
                .prefetch_related("followers").order_by("pk"))


def _answered(tickets: Sequence[Ticket], since: datetime | None = None,
              templates: Sequence[str] = ()) -> set[int]:
    """The tickets the desk has replied to (since a time, with these templates)."""
    replies = Message.objects.filter(ticket__in=tickets, kind=MessageKind.REPLY,
                                     author__role__in=STAFF_ROLES)
    if since is not None:
        replies = replies.filter(created_at__gte=since)
    if templates:
        replies = replies.filter(template__in=templates)
    return set(replies.values_list("ticket_id", flat=True))


@task()
def answer_linked_reports(ticket_ids: list[int], incident_id: int) -> str:
    """Answer new reports of an incident with its latest public update: their ACK (once:
    a ticket already answered is skipped)."""
    return "; ".join(answer_each(ticket_ids=ticket_ids, incident_id=incident_id))


def answer_each(*, ticket_ids: list[int], incident_id: int) -> list[str]:
    """`answer_linked_reports`, an outcome per ticket (jobs of one incident run as one)."""
    from opsdesk.workflows.messages import add_messages

    incident = Incident.objects.filter(pk=incident_id).first()
    outcome = dict.fromkeys(ticket_ids, "skipped")
    if incident is None:
        return list(outcome.values())
    update = latest_public_update(incident)
    for start in range(0, len(ticket_ids), CHUNK):
        with delivering_together(), transaction.atomic():  # emails sent once committed
            tickets = _lock_open_tickets(ticket_ids[start:start + CHUNK])
            answered = _answered(tickets)
            due = [t for t in tickets if t.pk not in answered and t.incident_id == incident.pk]
            add_messages(actor=system_user(), kind=MessageKind.REPLY, locked=True,
                         drafts=incident_reply_drafts(tickets=due, incident=incident,
                                                      update=update))
            outcome.update(dict.fromkeys((t.pk for t in due), "answered"))
    return [outcome[pk] for pk in ticket_ids]


@task()
def tell_linked_requesters(update_id: int, actor_id: int) -> str:
    """Send a public update to the requester of every open linked ticket, as a reply on
    each ticket (once: a ticket that has it already is skipped)."""
    from opsdesk.workflows.messages import add_messages

    update = IncidentUpdate.objects.select_related("incident").filter(pk=update_id).first()
    actor = User.objects.filter(pk=actor_id).first()
    if update is None or actor is None:
        return "skipped"
    ids = list(Ticket.objects.filter(incident=update.incident, stage__in=OPEN_STAGES)
               .order_by("pk").values_list("pk", flat=True))
    told = 0
    for start in range(0, len(ids), CHUNK):
        with delivering_together(), transaction.atomic():  # emails sent once committed
            tickets = _lock_open_tickets(ids[start:start + CHUNK])
            done = _answered(tickets, since=update.created_at, templates=INCIDENT_REPLIES)
            due = [t for t in tickets if t.pk not in done]
            add_messages(actor=actor, kind=MessageKind.REPLY, at=timezone.now(), locked=True,
                         drafts=incident_reply_drafts(tickets=due, incident=update.incident,
                                                      update=update))
            told += len(tickets)  # those that had it already included
    IncidentUpdate.objects.filter(pk=update.pk).update(requesters_told=told)
    return f"{told} requesters told"


@task()
def resolve_linked_tickets(update_id: int, actor_id: int, notify: bool) -> str:
    """Move every open linked ticket to Resolved, verified by the incident's resolution,
    with (if `notify`) the resolution as a reply to its requester."""
    from opsdesk.workflows.messages import add_messages
    from opsdesk.workflows.tickets import change_stages

    update = IncidentUpdate.objects.select_related("incident").filter(pk=update_id).first()
    actor = User.objects.filter(pk=actor_id).first()
    if update is None or actor is None:
        return "skipped"
    incident = update.incident
    ids = list(Ticket.objects.filter(incident=incident, stage__in=OPEN_STAGES)
               .order_by("pk").values_list("pk", flat=True))
    for start in range(0, len(ids), CHUNK):
        with delivering_together(), transaction.atomic():  # emails sent once committed
            tickets = _lock_open_tickets(ids[start:start + CHUNK])
            change_stages(tickets=tickets, actor=actor, to=Stage.RESOLVED, locked=True,
                          waive_verification=f"verified with {incident.ref}: "
                          f"{incident.resolution}")
            if notify:  # resolved first: the reply starts no new update period for nothing
                add_messages(actor=actor, kind=MessageKind.REPLY, locked=True,
                             drafts=incident_reply_drafts(
                                 tickets=tickets, incident=incident, update=update,
                                 key=TemplateKey.INCIDENT_RESOLUTION))
    IncidentUpdate.objects.filter(pk=update.pk).update(requesters_told=len(ids) if notify else 0)
    return f"{len(ids)} tickets resolved"


def remind_due_follow_ups(now: datetime | None = None) -> int:
    """Tell the owners of incidents whose follow-ups are due (each once); how many."""
    now = now or timezone.now()
    with transaction.atomic():
        due = list(FollowUp.objects.select_for_update(skip_locked=True, of=("self",))
                   .filter(Q(due_at__lte=now), done_at__isnull=True, reminded_at__isnull=True)
                   .select_related("incident__owner")[:100])
        for follow_up in due:
            remind_follow_up(follow_up=follow_up, at=now)
        FollowUp.objects.filter(pk__in=[f.pk for f in due]).update(reminded_at=now)
    return len(due)
