"""Merging a ticket into another and splitting a message off into a new ticket: the steps
(what follows from each is in `workflows.merging`)."""

from datetime import datetime

from django.conf import settings
from django.urls import reverse

from opsdesk.accounts.models import User
from opsdesk.core.errors import Conflict, Forbidden, InvalidInput

from .models import (
    Attachment,
    DeliveryStatus,
    MailReference,
    Message,
    MessageKind,
    Stage,
    Ticket,
    format_ref,
)
from .services import TicketDraft, bump_version, lock_ticket, record_event

FINISHED = frozenset({Stage.CLOSED, Stage.CANCELLED})
SPLIT_TITLE_LENGTH = 120


def lock_pair(*, ticket: Ticket, into: Ticket, version: int | None) -> tuple[Ticket, Ticket]:
    """Both tickets re-read under their row locks, the lower number first (two merges of
    the same pair at once wait for each other, never deadlock); a stale `version` of
    `ticket` is refused."""
    first, second = sorted((ticket, into), key=lambda t: t.pk)
    locked = {t.pk: lock_ticket(ticket=t, version=version if t.pk == ticket.pk else None)
              for t in (first, second)}
    return locked[ticket.pk], locked[into.pk]


def check_mergeable(*, ticket: Ticket, into: Ticket, actor: User) -> None:
    """Refuse a merge that cannot be: by a requester, into itself, of a ticket no longer
    open or already merged, into a merged or finished ticket."""
    if not actor.is_desk_staff:
        raise Forbidden("Only desk staff can merge tickets.")
    if ticket.pk == into.pk:
        raise InvalidInput("A ticket cannot be merged into itself.",
                           fields={"into": "the same ticket"})
    if ticket.merged_into_id is not None:
        raise Conflict(f"{ticket.ref} is already merged into {format_ref(ticket.merged_into_id)}.",
                       fields={"ticket": "already merged"})
    if not ticket.is_open:
        raise Conflict(f"{ticket.ref} is {ticket.get_stage_display().lower()}: only an open "
                       "ticket can be merged.", fields={"ticket": f"{ticket.stage}"})
    if into.merged_into_id is not None:
        raise Conflict(f"{into.ref} is itself merged into {format_ref(into.merged_into_id)}: "
                       "merge into that ticket.", fields={"into": "merged"})
    if into.stage in FINISHED:
        raise Conflict(f"{into.ref} is {into.get_stage_display().lower()}: a ticket can only "
                       "be merged into one that is not closed or cancelled.",
                       fields={"into": f"{into.stage}"})


def carry_over(*, ticket: Ticket, into: Ticket) -> int:
    """Move the ticket's timeline (notes, replies, events), its files, its mail threads,
    followers and tags onto `into`; returns how many timeline entries moved.

    Entries keep their times, so they fall into place on the other timeline. When the two
    requesters differ, the moved entries leave the portal (public=False): a requester never
    reads another's conversation; the desk still sees them all. Notes stay notes. A reply
    not emailed yet (pending, or failed and to be sent again) stays with its files where
    it was written: moved, it would go to the other ticket's requester and followers."""
    undelivered = Message.objects.filter(
        ticket=ticket, kind=MessageKind.REPLY,
        delivery_status__in=(DeliveryStatus.PENDING, DeliveryStatus.FAILED))
    entries = Message.objects.filter(ticket=ticket).exclude(pk__in=undelivered)
    if ticket.requester_id == into.requester_id:
        moved = entries.update(ticket=into)
    else:
        moved = entries.update(ticket=into, public=False)
    Attachment.objects.filter(ticket=ticket).exclude(message__in=undelivered) \
        .update(ticket=into)
    # An escalation's mail stays with the escalation (its answers thread onto it).
    MailReference.objects.filter(ticket=ticket, escalation__isnull=True).update(ticket=into)
    followers = {*ticket.followers.all(), ticket.requester} - {into.requester}
    into.followers.add(*followers)
    ticket.followers.clear()
    into.tags.add(*ticket.tags.all())
    return moved


def record_merge(*, ticket: Ticket, into: Ticket, actor: User, moved: int,
                 at: datetime) -> None:
    """Leave the pointer on the merged ticket and the event on both."""
    ticket.merged_into = into
    bump_version(ticket, ["merged_into"], at=at)
    bump_version(into, [], at=at)
    record_event(ticket=ticket, actor=actor, event="merged_into",
                 body=f"Merged into {into.ref}.", data={"into": into.pk}, at=at)
    record_event(ticket=into, actor=actor, event="merged_from",
                 body=f"{ticket.ref} merged into this ticket.",
                 data={"ticket": ticket.pk, "entries": moved}, at=at)


MERGE_NOTICE = {
    "en": ("Your request continues as {ref}",
           "Hello {name},\n\n"
           "Your request {old} ({title}) is the same as {ref}, so we have joined them: we "
           "continue to work on it as {ref}, and you will hear from us there.\n\n"
           "Follow it here: {link}\n\nSupport team"),
    "vi": ("Yêu cầu của bạn được tiếp tục tại {ref}",
           "Xin chào {name},\n\n"
           "Yêu cầu {old} ({title}) của bạn trùng với yêu cầu {ref}, nên chúng tôi đã gộp "
           "hai yêu cầu: chúng tôi tiếp tục xử lý tại {ref} và sẽ liên lạc với bạn ở đó.\n\n"
           "Theo dõi tại: {link}\n\nĐội hỗ trợ"),
}


def merge_notice(*, ticket: Ticket, into: Ticket) -> tuple[str, str]:
    """The subject and body that tell the merged ticket's requester where their request
    continues, in their language; the link is the portal page they can open (the portal
    shows a requester their own tickets only)."""
    requester = ticket.requester
    subject, body = MERGE_NOTICE.get(requester.language, MERGE_NOTICE["en"])
    shown = into if into.requester_id == requester.pk else ticket
    link = settings.OPSDESK_BASE_URL + reverse("portal:ticket", args=[shown.pk])
    values = {"ref": into.ref, "old": ticket.ref, "title": ticket.title, "link": link,
              "name": requester.display_name}
    return subject.format(**values), body.format(**values)


def check_splittable(*, ticket: Ticket, message: Message | None, actor: User) -> Message:
    """The message to split off, refused unless it is a requester's reply on this ticket
    (a note, an event or a reply by the desk is not a request)."""
    if not actor.is_desk_staff:
        raise Forbidden("Only desk staff can split tickets.")
    if ticket.merged_into_id is not None:
        raise Conflict(f"{ticket.ref} is merged into {format_ref(ticket.merged_into_id)}.",
                       fields={"ticket": "merged"})
    if message is None or message.ticket_id != ticket.pk:
        raise InvalidInput(f"No such message on {ticket.ref}.",
                           fields={"message_id": "not on this ticket"})
    if message.kind != MessageKind.REPLY or message.author.is_desk_staff:
        raise InvalidInput("Only a requester's reply can be split off into a new ticket.",
                           fields={"message_id": "not a requester's reply"})
    return message


def split_draft(*, ticket: Ticket, message: Message) -> TicketDraft:
    """The new ticket a split-off message asks for: its first line for a title, its text
    for a description, its author for a requester."""
    requester = message.author
    first = next((line.strip() for line in message.body.splitlines() if line.strip()), "")
    title = first if len(first) <= SPLIT_TITLE_LENGTH \
        else first[:SPLIT_TITLE_LENGTH - 1].rstrip() + "…"
    return TicketDraft(
        requester=requester, title=title or f"Split from {ticket.ref}",
        description=message.body, channel=ticket.channel, team=ticket.team,
        language=ticket.language if requester.pk == ticket.requester_id else requester.language)


def move_message(*, message: Message, ticket: Ticket, new: Ticket, actor: User,
                 at: datetime) -> None:
    """Take the message, its files and its mail thread off `ticket` onto `new`, and link
    the two tickets both ways."""
    Message.objects.filter(pk=message.pk).update(ticket=new)
    Attachment.objects.filter(message=message).update(ticket=new)
    MailReference.objects.filter(timeline_message=message).update(ticket=new)
    data = {"message_id": message.pk}
    record_event(ticket=ticket, actor=actor, event="split_off",
                 body=f"A message was split off into {new.ref}.",
                 data={**data, "ticket": new.pk}, at=at)
    record_event(ticket=new, actor=actor, event="split_from", body=f"Split from {ticket.ref}.",
                 data={**data, "ticket": ticket.pk}, at=at)
    bump_version(ticket, [], at=at)
