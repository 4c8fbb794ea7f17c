"""Changes to a postmortem: the desk's words, its timeline, its action items."""

from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from django.db import transaction
from django.utils import timezone

from opsdesk.accounts.models import User
from opsdesk.core.errors import InvalidInput
from opsdesk.incidents.models import Incident

from .models import (
    WRITTEN_FIELDS,
    ActionItem,
    ActionKind,
    ActionStatus,
    Postmortem,
    TimelineEdit,
)
from .timeline import recorded_steps

STEP_FIELDS = ("at", "kind", "body", "misleading", "note")


@dataclass(frozen=True)
class StepChange:
    """A change to one step of the timeline (`id` as the timeline names it), or a new step
    (`id` None: `at` and `body` needed). `changes` holds only the fields given."""

    id: str | None
    changes: dict[str, Any] = field(default_factory=dict)


def edit_postmortem(*, incident: Incident, actor: User, words: dict[str, str],
                    steps: list[StepChange], at: datetime | None = None) -> Postmortem:
    """Write the desk's words over the incident's and edit the timeline: all or nothing.
    A recorded step can be reworded, moved or marked misleading, never removed."""
    at = at or timezone.now()
    with transaction.atomic():
        postmortem, _ = Postmortem.objects.select_for_update().get_or_create(incident=incident)
        added = {e.step_id: e for e in TimelineEdit.objects.filter(postmortem=postmortem,
                                                                   source="")}
        recorded = {s.id for s in recorded_steps(incident)}
        errors = _step_errors(steps, recorded=recorded, added=set(added))
        errors |= {name: "unknown field" for name in words if name not in WRITTEN_FIELDS}
        if errors:
            raise InvalidInput("The postmortem cannot be changed so.", fields=errors)
        for name, value in words.items():
            setattr(postmortem, name, value.strip())
        postmortem.updated_at, postmortem.updated_by = at, actor
        postmortem.save()
        for change in steps:
            edit = _edit_for(postmortem, change, added)
            for name, value in change.changes.items():
                setattr(edit, name, value.strip() if isinstance(value, str) else value)
            edit.edited_at, edit.edited_by = at, actor
            edit.save()
    return postmortem


def _step_errors(steps: list[StepChange], *, recorded: set[str],
                 added: set[str]) -> dict[str, str]:
    errors: dict[str, str] = {}
    for i, change in enumerate(steps):
        unknown = set(change.changes) - set(STEP_FIELDS)
        errors |= {f"timeline.{i}.{name}": "unknown field" for name in sorted(unknown)}
        if change.id is not None and change.id not in recorded | added:
            errors[f"timeline.{i}.id"] = "no such step"
        if change.id is None:
            missing = [n for n in ("at", "body") if not change.changes.get(n)]
        elif change.id in added:  # an added step keeps a time and a text
            missing = [n for n in ("at", "body") if n in change.changes
                       and not change.changes[n]]
        else:
            missing = []
        errors |= {f"timeline.{i}.{name}": "required" for name in missing}
    return errors


def _edit_for(postmortem: Postmortem, change: StepChange,
              added: dict[str, TimelineEdit]) -> TimelineEdit:
    if change.id is None:
        return TimelineEdit(postmortem=postmortem, source="")
    if change.id in added:
        return added[change.id]
    edit, _ = TimelineEdit.objects.get_or_create(postmortem=postmortem, source=change.id)
    return edit


def add_action_item(*, incident: Incident, actor: User, title: str, kind: str, owner: str,
                    due: date, at: datetime | None = None) -> ActionItem:
    """A corrective or preventive action for an incident, owned by a staff member."""
    checked = _checked({"title": title, "kind": kind, "owner": owner, "due": due})
    return ActionItem.objects.create(incident=incident, created_by=actor,
                                     created_at=at or timezone.now(), **checked)


def change_action_item(*, item: ActionItem, actor: User, changes: dict[str, Any],
                       at: datetime | None = None) -> ActionItem:
    """Change an action item: its status (done, dropped, open again), title, kind, owner or
    due date; a new owner or due date is reminded again."""
    at = at or timezone.now()
    checked = _checked(changes)
    if ("owner" in checked and checked["owner"] != item.owner) or (
            "due" in checked and checked["due"] != item.due):
        item.reminded_at = None
    if "status" in checked and checked["status"] != item.status:
        item.closed_at = None if checked["status"] == ActionStatus.OPEN else at
    for name, value in checked.items():
        setattr(item, name, value)
    item.save()
    return item


def _checked(values: dict[str, Any]) -> dict[str, Any]:
    """The values as stored (the owner as a user), or InvalidInput naming each bad one."""
    errors: dict[str, str] = {}
    checked = dict(values)
    if "title" in values and not str(values["title"] or "").strip():
        errors["title"] = "required"
    if "kind" in values and values["kind"] not in ActionKind.values:
        errors["kind"] = "corrective or preventive"
    if "status" in values and values["status"] not in ActionStatus.values:
        errors["status"] = "open, done or dropped"
    if "due" in values and (values["due"] is None or values["due"] < timezone.localdate()):
        errors["due"] = "a date from today on"
    if "owner" in values:
        checked["owner"] = staff_by_ref(str(values["owner"] or ""))
        if checked["owner"] is None:
            errors["owner"] = "not an active staff member (email or id)"
    if errors:
        raise InvalidInput("The action item is not valid.", fields=errors)
    if "title" in checked:
        checked["title"] = checked["title"].strip()
    return checked


def staff_by_ref(ref: str) -> User | None:
    """The active desk staff member with this id or email, if any."""
    ref = ref.strip()
    if not ref:
        return None
    found = User.objects.filter(pk=int(ref)) if ref.isdecimal() else User.objects.filter(
        email__iexact=ref)
    user = found.filter(is_active=True).first()
    return user if user is not None and user.is_desk_staff else None
