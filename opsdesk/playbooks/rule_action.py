"""The `run_playbook` action of automation rules (in `automation.action_kinds.ACTIONS`):

    {"action": "run_playbook", "playbook": "login_recovery"}

Run: the playbook is queued for the worker once the rule's transaction commits (outside
calls do not belong inside the ticket's transaction), as a child of the rule's run. Dry run
(the rule's "what would happen"): the playbook's own dry run, now, and its decision.
A playbook started by an event works a ticket once: if the automatic trigger of
login recovery (OPSDESK_LOGIN_RECOVERY_AUTO) queued it too, the second run is skipped.
"""

from typing import Any

from django.db import transaction

from opsdesk.automation.actions import ActionContext, ActionKind
from opsdesk.automation.definition import DefinitionError

from .catalog import PLAYBOOKS
from .runner import run_playbook


def validate(spec: dict[str, Any]) -> None:
    name = spec.get("playbook")
    if not isinstance(name, str) or name.replace("-", "_") not in PLAYBOOKS:
        raise DefinitionError("playbook", f"unknown playbook {name!r}; use "
                              f"{', '.join(sorted(PLAYBOOKS))}")


def run(ctx: ActionContext, spec: dict[str, Any]) -> dict[str, Any]:
    from .tasks import run_playbook_task

    name = PLAYBOOKS[spec["playbook"].replace("-", "_")].name
    ticket_id, parent_id = ctx.ticket.pk, ctx.run.pk if ctx.run is not None else None
    transaction.on_commit(lambda: run_playbook_task.enqueue(
        name=name, ticket_id=ticket_id, trigger=ctx.trigger, parent_id=parent_id))
    return {"playbook": name, "queued": True}


def rehearse(ctx: ActionContext, spec: dict[str, Any]) -> dict[str, Any]:
    dry = run_playbook(spec["playbook"], ticket=ctx.ticket, actor=ctx.actor, dry_run=True,
                       trigger=ctx.trigger)
    return {"playbook": dry.name, "would": dry.result.get("outcome"),
            "action": dry.result.get("action"), "reason": dry.result.get("reason", "")}


def describe(spec: dict[str, Any]) -> str:
    found = PLAYBOOKS.get(str(spec.get("playbook", "")).replace("-", "_"))
    return f"run the {found.title if found else spec.get('playbook')} playbook"


RUN_PLAYBOOK = ActionKind(name="run_playbook", keys=frozenset({"playbook"}), validate=validate,
                          run=run, rehearse=rehearse, describe=describe)
