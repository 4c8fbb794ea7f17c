"""A ticket's life: it opens, changes, changes class, and moves from stage to stage."""

from collections.abc import Iterable, Sequence
from datetime import datetime
from functools import partial

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from opsdesk.accounts.models import Team, User
from opsdesk.automation.engine import run_trigger
from opsdesk.automation.models import Trigger
from opsdesk.communications.closeout import send_close_out
from opsdesk.communications.fanout import fan_out, has_fan_out
from opsdesk.duplicates import services as duplicates
from opsdesk.playbooks.auto import queue_login_recovery
from opsdesk.sla import services as sla
from opsdesk.tickets import services as tickets
from opsdesk.tickets import stages
from opsdesk.tickets.impact import Impact
from opsdesk.tickets.models import OPEN_STAGES, Stage, Ticket
from opsdesk.tickets.services import UNSET, Changed, TicketDraft
from opsdesk.workflows.incidents import link_reports

TEXT_FIELDS = frozenset({"title", "description"})


def open_ticket(*, draft: TicketDraft, actor: User, at: datetime | None = None) -> Ticket:
    """A new request: store it, classify it, start its clocks, link it, run the rules;
    `at`: when it happened, now if None."""
    return open_tickets(drafts=[draft], actor=actor, at=at)[0]


def open_tickets(*, drafts: Sequence[TicketDraft], actor: User,
                 at: datetime | None = None) -> list[Ticket]:
    """`open_ticket` for several requests at once (mail read in bulk); any invalid draft
    opens none."""
    at = at or timezone.now()
    with transaction.atomic():
        created = tickets.store_tickets(drafts=drafts, actor=actor, at=at)  # with a reason
        new = [n.ticket for n in created]
        sla.start_clocks(tickets=[(n.ticket, n.tags) for n in created], at=at)
        duplicates.index_new_tickets(created=created, at=at)  # likely duplicates, both ways
        reports = link_reports(created=created, at=at)  # of an open incident: answered by it
        for ticket in new:
            run_trigger(trigger=Trigger.TICKET_CREATED, ticket=ticket, now=at)
        queue_login_recovery(tickets=new)
        _queue_fan_out([ticket for ticket in new if ticket.pk not in reports], actor=actor)
    return new


def _queue_fan_out(new: Sequence[Ticket], *, actor: User) -> None:
    """Tell everyone the tickets' classes concern (ACK, manager notice, dev alert) from the
    worker once committed: opening a ticket does not wait for email or chat."""
    from opsdesk.communications.tasks import fan_out_new_tickets

    ticket_ids = [ticket.pk for ticket in new if has_fan_out(ticket)]
    if ticket_ids:
        transaction.on_commit(partial(fan_out_new_tickets.enqueue, ticket_ids=ticket_ids,
                                      actor_id=actor.pk))


def update_ticket(
    *,
    ticket: Ticket,
    actor: User,
    version: int | None = None,
    title: str = UNSET,
    tags: Iterable[str] = UNSET,
    assignee: User | None = UNSET,
    team: Team | None = UNSET,
    impact: Impact = UNSET,
    workaround: str = UNSET,
    priority: int = UNSET,
    at: datetime | None = None,
) -> Ticket:
    """Change a ticket's fields (reassign, retitle, retag, new impact): each change is an
    event; a new impact re-classifies it. `at`: when it happened, now if None."""
    at = at or timezone.now()
    with transaction.atomic():
        changed = tickets.change_fields(
            ticket=ticket, actor=actor, version=version, title=title, tags=tags,
            assignee=assignee, team=team, impact=impact, workaround=workaround, priority=priority,
            at=at)
        _after_change(changed, actor=actor, at=at)
    return changed.ticket


def override_cos(
    *, ticket: Ticket, actor: User, cos: str, reason: str, version: int | None = None,
    at: datetime | None = None,
) -> Ticket:
    """Set the Class of Service by hand, with a reason kept with the decision; `at`: when
    it happened, now if None."""
    at = at or timezone.now()
    with transaction.atomic():
        changed = tickets.set_cos_override(ticket=ticket, actor=actor, cos=cos, reason=reason,
                                           version=version, at=at)
        _after_change(changed, actor=actor, at=at)
    return changed.ticket


def _after_change(changed: Changed, *, actor: User, at: datetime) -> None:
    ticket = changed.ticket
    if changed.cos_changed:
        class_changed(ticket=ticket, actor=actor, at=at)
    if TEXT_FIELDS & changed.fields and ticket.stage in OPEN_STAGES:
        duplicates.index_ticket(ticket=ticket, replace=True, at=at)
    if changed.fields:
        run_trigger(trigger=Trigger.TICKET_UPDATED, ticket=ticket, now=at)


def class_changed(*, ticket: Ticket, actor: User, at: datetime | None = None) -> None:
    """The ticket's Class of Service changed: re-time its clocks and tell whom the new
    class concerns (an Expedite ticket's manager notice and dev alert, at once); `at`: when
    it happened, now if None."""
    at = at or timezone.now()
    summary = sla.retime(ticket=ticket, at=at)
    tickets.record_event(ticket=ticket, actor=actor, event="sla_retimed",
                         body=f"SLA re-timed for {ticket.get_cos_display()}"
                         + (f": {summary}." if summary else "."),
                         data={"cos": ticket.cos}, at=at)
    fan_out(ticket=ticket, actor=actor, at=at)


def change_stage(
    *,
    ticket: Ticket,
    actor: User,
    to: str,
    reason: str = "",
    waiting_reason: str = "",
    summary: stages.CloseSummary | None = None,
    waive_verification: str = "",
    version: int | None = None,
    at: datetime | None = None,
) -> Ticket:
    """Move a ticket to another stage: In Progress, Waiting (with what it waits on),
    Resolved (once verified, or the check waived with a reason), Closed (with its root
    cause and resolution; the requester gets the closure message and a rating request).
    `at`: when it happened, now if None."""
    at = at or timezone.now()
    with transaction.atomic():
        moved = stages.move(ticket=ticket, actor=actor, to=to, reason=reason,
                            waiting_reason=waiting_reason, summary=summary,
                            waive_verification=waive_verification, version=version, at=at)
        ticket = moved.ticket
        sla.on_stage(ticket=ticket, previous=moved.previous, at=at)  # pause, resume, meet, reopen
        _keep_duplicate_index([moved], at=at)
        if ticket.stage == Stage.CLOSED and settings.OPSDESK_AUTO_NOTIFY:
            send_close_out(ticket=ticket, at=at)
        run_trigger(trigger=Trigger.TICKET_UPDATED, ticket=ticket, now=at)
    return ticket


def change_stages(*, tickets: Sequence[Ticket], actor: User, to: str, reason: str = "",
                  waive_verification: str = "", locked: bool = False,
                  at: datetime | None = None) -> list[Ticket]:
    """`change_stage` for many tickets (an incident's resolution resolves its reports): the
    same steps in the same order, each reading or writing all the tickets at once; the
    rules run for each. Not to Waiting or Closed, which need a reason or a summary per
    ticket. Returns the tickets in number order (`locked`: the caller read them under
    their row locks in the open transaction; they are moved as given); if any cannot move,
    none does."""
    at = at or timezone.now()
    with transaction.atomic():
        moved = stages.move_many(tickets=tickets, actor=actor, to=to, reason=reason,
                                 waive_verification=waive_verification, locked=locked, at=at)
        sla.on_stages(moved=[(m.ticket, m.previous) for m in moved], at=at)
        _keep_duplicate_index(moved, at=at)
        for ticket in (m.ticket for m in moved):
            run_trigger(trigger=Trigger.TICKET_UPDATED, ticket=ticket, now=at)
    return [m.ticket for m in moved]


def _keep_duplicate_index(moved: Sequence[stages.Moved], *, at: datetime) -> None:
    """Only open tickets are compared with new ones: finished ones leave the index."""
    finished = [m.ticket for m in moved
                if m.previous in OPEN_STAGES and m.ticket.stage not in OPEN_STAGES]
    if finished:
        duplicates.unindex_tickets(tickets=finished)
    for m in moved:
        if m.ticket.stage in OPEN_STAGES and m.previous not in OPEN_STAGES:  # reopened
            duplicates.index_ticket(ticket=m.ticket, replace=True, at=at)
