"""Every change to a ticket: create, update, classify, move between stages, add messages."""

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, fields
from datetime import datetime
from typing import Any

from django.db import transaction
from django.db.models.functions import Lower
from django.utils import timezone

from opsdesk.accounts.models import Team, User
from opsdesk.core.errors import Forbidden, InvalidInput
from opsdesk.core.prefetch import remember_related

from .classification import active_rules, classify
from .errors import StaleVersion
from .impact import Impact, apply_impact, facts_of, impact_summary, store_groups
from .models import (
    PRIORITY_FOR_COS,
    Cos,
    Message,
    MessageKind,
    Tag,
    Ticket,
)


class _Unset:
    def __repr__(self) -> str:
        return "UNSET"


UNSET: Any = _Unset()

# Events a requester may see on their ticket's timeline; every other event is internal.
PUBLIC_EVENTS = frozenset({"created", "stage_changed"})


@dataclass(frozen=True)
class NewTicket:
    """A ticket just created, with the names of its tags and affected groups."""

    ticket: Ticket
    tags: list[str]
    groups: list[str]


@dataclass(frozen=True)
class Changed:
    """What a change to a ticket did: the ticket as saved, the fields written, its class before."""

    ticket: Ticket
    fields: frozenset[str]
    previous_cos: str

    @property
    def cos_changed(self) -> bool:
        return self.ticket.cos != self.previous_cos


@dataclass
class _Changes:
    """What an update changed, for the events it records."""

    fields: list[str] = field(default_factory=list)
    events: list[tuple[str, str, dict[str, Any]]] = field(default_factory=list)


def sync_group_checks(*, ticket: Ticket, at: datetime, new: bool = False) -> None:
    """Keep a verification check per affected group (see verification.py)."""
    from .verification import sync_group_checks as sync

    sync(ticket=ticket, new=new, at=at)


def record_event(
    *, ticket: Ticket, actor: User, event: str, body: str, data: dict[str, Any] | None = None,
    at: datetime | None = None,
) -> Message:
    """Add a system event to the ticket's timeline, naming who or what caused it; `at`:
    when it happened, now if None."""
    message = event_message(ticket=ticket, actor=actor, event=event, body=body, data=data, at=at)
    message.save()
    return message


def event_message(
    *, ticket: Ticket, actor: User, event: str, body: str, data: dict[str, Any] | None = None,
    at: datetime | None = None,
) -> Message:
    """A system event for the ticket's timeline, unsaved (to store several together)."""
    return Message(ticket=ticket, kind=MessageKind.EVENT, author=actor, event=event, body=body,
                   data=data or {}, public=event in PUBLIC_EVENTS,
                   created_at=at or timezone.now())


@dataclass(frozen=True, kw_only=True)
class TicketDraft:
    """One ticket to create: what `create_ticket` takes, but the actor."""

    requester: User
    title: str
    description: str = ""
    channel: str = "api"
    language: str = "en"
    tags: Iterable[str] = ()
    team: Team | None = None
    assignee: User | None = None
    impact: Impact | None = None
    workaround: str = ""
    received_at: datetime | None = None
    due_at: datetime | None = None
    cos: str | None = None
    cos_reason: str = ""
    follow_up_of: Ticket | None = None


def store_tickets(*, actor: User, drafts: Sequence[TicketDraft],
                  at: datetime) -> list[NewTicket]:
    """Store and classify new tickets, created `at`, with bulk inserts and record their
    creation; any invalid draft creates none: a step of `workflows.tickets.open_tickets`,
    within its transaction.

    The tickets returned hold what their creation stored (tags, groups, followers, SLA
    clocks, likely duplicates) as if prefetched: a change made since through another
    instance shows after `refresh_from_db()`.
    """
    built = [_build(draft, actor=actor, at=at) for draft in drafts]
    tickets = Ticket.objects.bulk_create([ticket for ticket, _ in built])
    created = [_store_labels(ticket, draft, tag_objs)
               for (ticket, tag_objs), draft in zip(built, drafts, strict=True)]
    Message.objects.bulk_create([_created_event(ticket, actor) for ticket in tickets])
    return created


# A draft's fields that are not stored on the ticket as they are given.
DRAFT_COMPUTED = frozenset({"title", "tags", "impact", "received_at", "cos", "cos_reason"})


def _build(draft: TicketDraft, *, actor: User, at: datetime) -> tuple[Ticket, list[Tag]]:
    """The unsaved, classified ticket of a draft, and its tags (refused when invalid)."""
    given = {f.name: getattr(draft, f.name) for f in fields(draft)
             if f.name not in DRAFT_COMPUTED}
    ticket = Ticket(**given, title=_clean_title(draft.title),
                    received_at=draft.received_at or at, created_at=at, updated_at=at,
                    created_by=actor)
    apply_impact(ticket, draft.impact or Impact())
    tag_objs = _tags_for(draft.tags)
    decision = classify(facts_of(ticket, {t.name.lower() for t in tag_objs}), active_rules())
    ticket.cos, ticket.cos_rationale = decision.cos, decision.rationale
    if draft.cos:
        _set_override(ticket, actor=actor, cos=draft.cos, reason=draft.cos_reason)
    ticket.priority = PRIORITY_FOR_COS[Cos(ticket.cos)]
    return ticket, tag_objs


def _store_labels(ticket: Ticket, draft: TicketDraft, tag_objs: list[Tag]) -> NewTicket:
    """Store a saved new ticket's tags and affected groups (and their checks)."""
    if tag_objs:
        ticket.tags.add(*tag_objs)
    remember_related(ticket, "tags", tag_objs)
    remember_related(ticket, "followers", [])
    impact = draft.impact
    groups = store_groups(ticket, impact.groups) if impact and impact.groups else []
    if groups:
        sync_group_checks(ticket=ticket, new=True, at=ticket.created_at)
    else:
        remember_related(ticket, "impact_groups", [])
    return NewTicket(ticket=ticket, tags=[t.name for t in tag_objs],
                     groups=[g.name for g in groups])


def _created_event(ticket: Ticket, actor: User) -> Message:
    return event_message(
        ticket=ticket, actor=actor, event="created",
        body=f"Ticket {ticket.ref} created ({ticket.get_channel_display()}).",
        data={"cos": ticket.cos, "cos_rationale": ticket.cos_rationale}, at=ticket.created_at,
    )


def lock_ticket(*, ticket: Ticket, version: int | None) -> Ticket:
    """The ticket re-read under a row lock (its requester with it, unlocked); a stale
    `version` is refused.

    FOR NO KEY UPDATE: it keeps out other writers of the ticket, not the inserts that only
    refer to it (a new ticket naming it a likely duplicate, an event), which would
    otherwise wait for the lock to go — a fan-out job's, say."""
    locked = Ticket.objects.select_for_update(of=("self",), no_key=True) \
        .select_related("requester").get(pk=ticket.pk)
    if version is not None and version != locked.version:
        raise StaleVersion(version, locked.version)
    return locked


def touch_ticket(ticket: Ticket, *, at: datetime | None = None) -> None:
    """Mark the ticket as active `at` (now if None); its fields (and so its version) are
    unchanged."""
    touch_tickets([ticket], at=at)


def touch_tickets(tickets: Sequence[Ticket], *, at: datetime | None = None) -> None:
    """`touch_ticket` for several tickets, in one statement."""
    at = at or timezone.now()
    for ticket in tickets:
        ticket.updated_at = at
    Ticket.objects.filter(pk__in=[ticket.pk for ticket in tickets]).update(updated_at=at)


def bump_version(ticket: Ticket, fields: list[str], *, at: datetime) -> None:
    """Save these fields with a new version number, updated `at`."""
    ticket.version += 1
    ticket.updated_at = at
    ticket.save(update_fields=[*dict.fromkeys(fields), "version", "updated_at"])


def change_fields(
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
    at: datetime,
) -> Changed:
    """Change a ticket's fields `at`; each change is an event, impact changes re-classify."""
    with transaction.atomic():
        ticket = lock_ticket(ticket=ticket, version=version)
        previous_cos = ticket.cos
        changes = _Changes()
        if title is not UNSET and _clean_title(title) != ticket.title:
            changes.events.append(("title_changed", f"Title changed to “{title.strip()}”.",
                                   {"from": ticket.title}))
            ticket.title = _clean_title(title)
            changes.fields.append("title")
        if workaround is not UNSET and workaround != ticket.workaround:
            ticket.workaround = workaround
            changes.fields.append("workaround")
            changes.events.append(("workaround_changed", "Workaround updated.", {}))
        if assignee is not UNSET and assignee != ticket.assignee:
            _assign(ticket, assignee, changes)
        if team is not UNSET and team != ticket.team:
            ticket.team = team
            changes.fields.append("team")
            changes.events.append(
                ("team_changed", f"Team set to {team.name}." if team else "Team cleared.", {})
            )
        if priority is not UNSET and priority != ticket.priority:
            _set_priority(ticket, priority, changes)
        if tags is not UNSET:
            _replace_tags(ticket, tags, changes)
        for event, body, data in changes.events:
            record_event(ticket=ticket, actor=actor, event=event, body=body, data=data, at=at)
        if impact is not UNSET:
            _change_impact(ticket, impact, actor, changes, at=at)
        if changes.fields:
            bump_version(ticket, changes.fields, at=at)
    return Changed(ticket=ticket, fields=frozenset(changes.fields), previous_cos=previous_cos)


def _assign(ticket: Ticket, assignee: User | None, changes: _Changes) -> None:
    if assignee is not None and not assignee.is_desk_staff:
        raise InvalidInput("Only desk staff can be assigned.", fields={"assignee": "not staff"})
    ticket.assignee = assignee
    changes.fields.append("assignee")
    body = f"Assigned to {assignee.display_name}." if assignee else "Unassigned."
    changes.events.append(("assigned", body, {"assignee_id": assignee.pk if assignee else None}))


def _set_priority(ticket: Ticket, priority: int, changes: _Changes) -> None:
    if not 0 <= priority <= 3:
        raise InvalidInput("Priority is 0 to 3 stars.", fields={"priority": "0 to 3"})
    changes.events.append(
        ("priority_changed", f"Priority set to {priority} stars.", {"from": ticket.priority})
    )
    ticket.priority, ticket.priority_overridden = priority, True
    changes.fields += ["priority", "priority_overridden"]


def _replace_tags(ticket: Ticket, tags: Iterable[str], changes: _Changes) -> None:
    new = _tags_for(tags)
    old = list(ticket.tags.all())
    if {t.pk for t in new} == {t.pk for t in old}:
        return
    ticket.tags.set(new)
    names = ", ".join(t.name for t in new) or "none"
    changes.events.append(("tags_changed", f"Tags: {names}.", {"from": [t.name for t in old]}))
    changes.fields.append("updated_at")


def _change_impact(ticket: Ticket, impact: Impact, actor: User, changes: _Changes, *,
                   at: datetime) -> None:
    before = impact_summary(ticket)
    apply_impact(ticket, impact)
    if impact.groups is not None:
        ticket.impact_groups.all().delete()
        store_groups(ticket, impact.groups)
        sync_group_checks(ticket=ticket, at=at)
    after = impact_summary(ticket)
    if before == after:
        return
    changes.fields += ["affected_users", "blocking", "critical_function",
                       "critical_function_label", "failure_rate", "scope"]
    record_event(ticket=ticket, actor=actor, event="impact_changed",
                 body=f"Impact changed: {after}.", data={"from": before, "to": after}, at=at)
    reclassify(ticket=ticket, actor=actor, changes=changes, at=at)


def reclassify(*, ticket: Ticket, actor: User, changes: _Changes | None = None,
               at: datetime) -> Ticket:
    """Re-run the CoS rules on the ticket's impact; a change of class is an event (what
    follows from it is `workflows.tickets.class_changed`'s)."""
    decision = classify(facts_of(ticket, _tag_names(ticket)), active_rules())
    previous = ticket.cos
    fields = ["cos_rationale"]
    if ticket.cos_overridden:
        ticket.cos_rationale = _override_rationale(ticket.cos_override_reason, decision.rationale,
                                                   decision.cos)
    else:
        ticket.cos, ticket.cos_rationale = decision.cos, decision.rationale
        fields.append("cos")
        if not ticket.priority_overridden:
            ticket.priority = PRIORITY_FOR_COS[Cos(ticket.cos)]
            fields.append("priority")
    if changes is not None:
        changes.fields += fields
    else:
        bump_version(ticket, fields, at=at)
    if ticket.cos != previous:
        record_event(
            ticket=ticket, actor=actor, event="cos_changed",
            body=f"Class of Service {Cos(previous).label} → {Cos(ticket.cos).label}: "
            f"{ticket.cos_rationale}.",
            data={"from": previous, "to": ticket.cos, "rationale": ticket.cos_rationale}, at=at,
        )
    return ticket


def set_cos_override(
    *, ticket: Ticket, actor: User, cos: str, reason: str, version: int | None = None,
    at: datetime,
) -> Changed:
    """Set the Class of Service by hand `at`, with a reason that is kept with the decision."""
    if actor.is_requester:
        raise Forbidden("Only desk staff can override the Class of Service.")
    with transaction.atomic():
        ticket = lock_ticket(ticket=ticket, version=version)
        previous = ticket.cos
        _set_override(ticket, actor=actor, cos=cos, reason=reason)
        if not ticket.priority_overridden:
            ticket.priority = PRIORITY_FOR_COS[Cos(ticket.cos)]
        fields = ["cos", "cos_rationale", "cos_overridden", "cos_override_reason", "priority"]
        bump_version(ticket, fields, at=at)
        record_event(
            ticket=ticket, actor=actor, event="cos_overridden",
            body=f"Class of Service set to {Cos(cos).label} by {actor.display_name}: {reason}",
            data={"from": previous, "to": cos, "reason": reason}, at=at,
        )
    return Changed(ticket=ticket, fields=frozenset(fields), previous_cos=previous)


def _set_override(ticket: Ticket, *, actor: User, cos: str, reason: str) -> None:
    if cos not in Cos.values:
        raise InvalidInput(f"Unknown Class of Service {cos!r}.", fields={"cos": "unknown"})
    if not reason.strip():
        raise InvalidInput(
            "Overriding the Class of Service needs a reason.", fields={"cos_reason": "required"}
        )
    rules_said = ticket.cos_rationale if not ticket.cos_overridden else ""
    ticket.cos = cos
    ticket.cos_overridden = True
    ticket.cos_override_reason = reason.strip()
    ticket.cos_rationale = _override_rationale(reason.strip(), rules_said, None)


def _override_rationale(reason: str, rules_rationale: str, rules_cos: str | None) -> str:
    rules = f"{Cos(rules_cos).label}: " if rules_cos else ""
    suffix = f" (rules say {rules}{rules_rationale})" if rules_rationale else ""
    return f"overridden: {reason}{suffix}"


def _clean_title(title: str) -> str:
    cleaned = title.strip()
    if not cleaned:
        raise InvalidInput("A ticket needs a title.", fields={"title": "required"})
    if len(cleaned) > 300:
        raise InvalidInput("The title is longer than 300 characters.", fields={"title": "too long"})
    return cleaned


def _tag_names(ticket: Ticket) -> set[str]:
    return {t.name.lower() for t in ticket.tags.all()}


def _tags_for(names: Iterable[str]) -> list[Tag]:
    """Tag rows for these names (case-insensitive), created when new."""
    wanted = {n.strip().lower(): n.strip() for n in names if n.strip()}
    if any(len(n) > 64 for n in wanted.values()):
        raise InvalidInput("A tag is at most 64 characters.", fields={"tags": "too long"})
    if not wanted:
        return []
    existing = {t.name.lower(): t for t in
                Tag.objects.annotate(lname=Lower("name")).filter(lname__in=wanted)}
    missing = [Tag(name=v) for k, v in wanted.items() if k not in existing]
    if missing:
        Tag.objects.bulk_create(missing, ignore_conflicts=True)
        existing = {t.name.lower(): t for t in
                    Tag.objects.annotate(lname=Lower("name")).filter(lname__in=wanted)}
    return [existing[k] for k in wanted]


@dataclass(frozen=True, kw_only=True)
class MessageDraft:
    """One message to add: what `add_message` takes, but the actor and the kind."""

    ticket: Ticket
    body: str
    template: str = ""
    subject: str = ""


def store_messages(*, actor: User, kind: str, drafts: Sequence[MessageDraft], at: datetime,
                   locked: bool = False) -> list[Message]:
    """Store notes (internal) or replies (to the requester and followers), written `at`, on
    the tickets' timelines with one insert and one touch; any invalid draft adds none (a
    step of `workflows.messages.add_messages`, within its transaction). Each message's
    `ticket` is the ticket as locked.
    `locked`: the caller read the tickets under their row locks in the open transaction."""
    if kind not in (MessageKind.NOTE, MessageKind.REPLY):
        raise InvalidInput("A message is a note or a reply.", fields={"kind": "note or reply"})
    if any(not draft.body.strip() for draft in drafts):
        raise InvalidInput("A message needs a body.", fields={"body": "required"})
    if actor.is_requester and kind == MessageKind.NOTE:
        raise Forbidden("Requesters cannot write internal notes.")
    tickets = [draft.ticket if locked else lock_ticket(ticket=draft.ticket, version=None)
               for draft in drafts]
    messages = Message.objects.bulk_create([
        Message(ticket=ticket, kind=kind, author=actor, body=draft.body,
                template=draft.template, public=kind == MessageKind.REPLY,
                data={"subject": draft.subject} if draft.subject else {}, created_at=at)
        for ticket, draft in zip(tickets, drafts, strict=True)])
    touch_tickets(tickets, at=at)
    return messages


def visible_messages(*, ticket: Ticket, viewer: User) -> Any:
    """The ticket's timeline entries this viewer may read: a requester never sees a note."""
    messages = Message.objects.filter(ticket=ticket).select_related("author")
    if viewer.is_desk_staff:
        return messages
    return messages.filter(public=True).exclude(kind=MessageKind.NOTE)
