"""Rule actions: the built-in kinds (the table of every kind is `action_kinds.ACTIONS`).

An action is ``{"action": "<kind>", ...keys}``. A kind is an `ActionKind`: `validate(spec)`
raises DefinitionError(key, message) for the key that is wrong; `run(ctx, spec)` acts
through the workflows as `ctx.actor` (the system identity) and returns what it did as JSON
(the workflows are imported where used: they run the rules); `describe(spec)` says in a
line what the action does. In a dry run the engine calls `rehearse(ctx, spec)` when the
kind has one, and otherwise only records describe().
"""

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from opsdesk.accounts.models import Language, User
from opsdesk.communications.models import MessageTemplate, TemplateKey
from opsdesk.core.errors import InvalidInput
from opsdesk.tickets.models import Message, MessageKind, Stage, Ticket, WaitingReason

from . import text
from .definition import (
    DefinitionError,
    check_staff,
    check_team,
    staff_with_email,
    team_named,
)


@dataclass(frozen=True)
class ActionContext:
    """What an action acts on and as whom."""

    ticket: Ticket
    actor: User
    trigger: str
    reason: str  # "automation rule “Route login tickets”": said in events the action records
    run: Any = None  # the AutomationRun being recorded (e.g. the parent of a playbook's run)
    message: Message | None = None


Spec = dict[str, Any]
Output = dict[str, Any]


@dataclass(frozen=True)
class ActionKind:
    name: str
    keys: frozenset[str]
    validate: Callable[[Spec], None]
    run: Callable[[ActionContext, Spec], Output]
    describe: Callable[[Spec], str]
    rehearse: Callable[[ActionContext, Spec], Output] | None = None
    # How the action would change what later rules see, for dry runs of several rules.
    simulate: Callable[[dict[str, Any], Spec], None] | None = None


# --- set_field ---------------------------------------------------------------------

SETTABLE = ("team", "assignee", "priority", "stage")
RULE_STAGES = (Stage.IN_PROGRESS, Stage.WAITING, Stage.RESOLVED, Stage.CANCELLED)


def _validate_set_field(spec: Spec) -> None:
    field, value = spec.get("field"), spec.get("value")
    if field not in SETTABLE:
        raise DefinitionError("field", f"unknown field {field!r}; a rule sets "
                              f"{', '.join(SETTABLE)}")
    if "value" not in spec:
        raise DefinitionError("value", "required")
    try:
        _check_field_value(field, value)
    except ValueError as exc:
        raise DefinitionError("value", str(exc)) from exc
    reason = spec.get("waiting_reason")
    if field == "stage" and value == Stage.WAITING and reason not in WaitingReason.values:
        raise DefinitionError("waiting_reason", "waiting needs a reason: "
                              f"{', '.join(WaitingReason.values)}")
    if "waiting_reason" in spec and value != Stage.WAITING:
        raise DefinitionError("waiting_reason", "only when the stage is waiting")


def _check_field_value(field: str, value: Any) -> None:
    if field == "team":
        check_team(value)
    elif field == "assignee":
        check_staff(value)
    elif field == "priority" and (isinstance(value, bool) or value not in (0, 1, 2, 3)):
        raise ValueError("priority is 0, 1, 2 or 3 stars")
    elif field == "stage" and value not in RULE_STAGES:
        raise ValueError(f"a rule moves a ticket to {', '.join(RULE_STAGES)} "
                         "(closing needs a summary written by a person)")


def _current(ticket: Ticket, field: str) -> Any:
    if field == "team":
        return ticket.team.name if ticket.team else None
    if field == "assignee":
        return ticket.assignee.email if ticket.assignee else None
    return getattr(ticket, field)


def _run_set_field(ctx: ActionContext, spec: Spec) -> Output:
    from opsdesk.workflows.tickets import change_stage, update_ticket

    field, value, ticket = spec["field"], spec["value"], ctx.ticket
    before = _current(ticket, field)
    if field == "stage":
        reason = spec.get("waiting_reason", "")
        if before == value and ticket.waiting_reason == reason:
            return {"field": field, "from": before, "to": value, "changed": False}
        ticket = change_stage(ticket=ticket, actor=ctx.actor, to=value, waiting_reason=reason,
                              reason=ctx.reason)
    elif field == "team":
        team = team_named(value) if value is not None else None
        if value is not None and team is None:
            raise InvalidInput(f"No team named {value!r}.", fields={"team": "unknown team"})
        ticket = update_ticket(ticket=ticket, actor=ctx.actor, team=team)
    elif field == "assignee":
        person = staff_with_email(value) if value is not None else None
        if value is not None and person is None:
            raise InvalidInput(f"{value!r} is not a desk staff member.",
                               fields={"assignee": "not staff"})
        ticket = update_ticket(ticket=ticket, actor=ctx.actor, assignee=person)
    else:
        ticket = update_ticket(ticket=ticket, actor=ctx.actor, priority=value)
    after = _current(ticket, field)
    return {"field": field, "from": before, "to": after, "changed": before != after}


def _simulate_set_field(facts: dict[str, Any], spec: Spec) -> None:
    facts[spec["field"]] = spec["value"]
    if spec["field"] == "stage":
        facts["waiting_reason"] = spec.get("waiting_reason", "")


SET_FIELD = ActionKind(
    name="set_field", keys=frozenset({"field", "value", "waiting_reason"}),
    validate=_validate_set_field,
    run=_run_set_field, simulate=_simulate_set_field,
    describe=lambda s: f"set {s.get('field')} to {s.get('value')!r}"
    + (f" (waiting on {s['waiting_reason']})" if s.get("waiting_reason") else ""),
)


# --- add_tag -----------------------------------------------------------------------

def _validate_tag(spec: Spec) -> None:
    tag = spec.get("tag")
    if not isinstance(tag, str) or not 0 < len(tag.strip()) <= 64:
        raise DefinitionError("tag", "a tag name of 1 to 64 characters")


def _run_add_tag(ctx: ActionContext, spec: Spec) -> Output:
    from opsdesk.workflows.tickets import update_ticket

    tag = spec["tag"].strip()
    names = [t.name for t in ctx.ticket.tags.all()]
    if text.normalise(tag) in {text.normalise(n) for n in names}:
        return {"tag": tag, "changed": False}
    update_ticket(ticket=ctx.ticket, actor=ctx.actor, tags=[*names, tag])
    return {"tag": tag, "changed": True}


ADD_TAG = ActionKind(
    name="add_tag", keys=frozenset({"tag"}), validate=_validate_tag, run=_run_add_tag,
    describe=lambda s: f"add tag {s.get('tag')!r}",
    simulate=lambda facts, s: facts["tags"].add(text.normalise(s["tag"])),
)


# --- send_template -----------------------------------------------------------------

# Templates written to the requester; the others (dev alert, manager notice, escalation)
# are for the desk and other teams and are sent by their own features.
REQUESTER_TEMPLATES = (TemplateKey.ACK, TemplateKey.UPDATE, TemplateKey.RESOLUTION,
                       TemplateKey.CLOSURE, TemplateKey.RATING_REQUEST)


def _validate_template(spec: Spec) -> None:
    key = spec.get("template")
    if key not in REQUESTER_TEMPLATES:
        known = "unknown template" if key not in TemplateKey.values else \
            "not a template for the requester"
        raise DefinitionError("template", f"{known} {key!r}; use "
                              f"{', '.join(REQUESTER_TEMPLATES)}")
    if not MessageTemplate.objects.filter(key=key, enabled=True).exists():
        raise DefinitionError("template", f"no enabled {key!r} template")
    if "language" in spec and spec["language"] not in Language.values:
        raise DefinitionError("language", f"use {', '.join(Language.values)}")


def _run_send_template(ctx: ActionContext, spec: Spec) -> Output:
    from opsdesk.communications.rendering import render
    from opsdesk.workflows.messages import add_message

    rendered = render(key=spec["template"], ticket=ctx.ticket, language=spec.get("language"),
                      agent=ctx.actor)
    message = add_message(ticket=ctx.ticket, actor=ctx.actor, kind=MessageKind.REPLY,
                          body=rendered.body, template=spec["template"])
    return {"template": spec["template"], "language": rendered.language,
            "message_id": message.pk}


SEND_TEMPLATE = ActionKind(
    name="send_template", keys=frozenset({"template", "language"}), validate=_validate_template,
    run=_run_send_template,
    describe=lambda s: f"reply to the requester with the {s.get('template')} template"
    + (f" in {s['language']}" if s.get("language") else ""),
)


# --- add_note ----------------------------------------------------------------------

def _validate_note(spec: Spec) -> None:
    body = spec.get("body")
    if not isinstance(body, str) or not body.strip():
        raise DefinitionError("body", "the note's text is required")


def _run_add_note(ctx: ActionContext, spec: Spec) -> Output:
    from opsdesk.workflows.messages import add_message

    message = add_message(ticket=ctx.ticket, actor=ctx.actor, kind=MessageKind.NOTE,
                          body=spec["body"])
    return {"message_id": message.pk}


ADD_NOTE = ActionKind(
    name="add_note", keys=frozenset({"body"}), validate=_validate_note, run=_run_add_note,
    describe=lambda s: f"add an internal note: {str(s.get('body'))[:80]!r}",
)


# --- notify ------------------------------------------------------------------------

def _validate_notify(spec: Spec) -> None:
    if ("team" in spec) == ("user" in spec):
        raise DefinitionError("team", "notify a team or a user (one of them)")
    key = "team" if "team" in spec else "user"
    try:
        if (check_team if key == "team" else check_staff)(spec[key]) is None:
            raise ValueError("required")
    except ValueError as exc:
        raise DefinitionError(key, str(exc)) from exc
    if "message" in spec and not isinstance(spec["message"], str):
        raise DefinitionError("message", "text")


def _run_notify(ctx: ActionContext, spec: Spec) -> Output:
    from opsdesk.communications.fanout import alert_team
    from opsdesk.notifications.services import notify

    ticket = ctx.ticket
    subject = f"[{ticket.ref}] {ticket.title}"
    body = f"{ticket.ref} {ticket.title}\n\n{spec.get('message') or ''}\n\n({ctx.reason})"
    if "team" in spec:
        team = team_named(spec["team"])
        if team is None:
            raise InvalidInput(f"No team named {spec['team']!r}.", fields={"team": "unknown"})
        alert_team(team=team, ticket=ticket, kind="automation", subject=subject, body=body)
        return {"team": team.name}
    person = staff_with_email(spec["user"])
    if person is None:
        raise InvalidInput(f"{spec['user']!r} is not a desk staff member.",
                           fields={"user": "not staff"})
    notify(recipients=[person], ticket=ticket, kind="automation", subject=subject, body=body)
    return {"user": person.email}


NOTIFY = ActionKind(
    name="notify", keys=frozenset({"team", "user", "message"}), validate=_validate_notify,
    run=_run_notify,
    describe=lambda s: f"notify {'team ' + repr(s['team']) if 'team' in s else s.get('user')}",
)
