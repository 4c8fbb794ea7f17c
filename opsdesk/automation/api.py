"""REST API for automation rules and runs: desk staff read and test, managers change."""

from typing import Any

from django.http import HttpRequest
from ninja import Query, Router, Schema, Status

from opsdesk.accounts.models import User
from opsdesk.core.auth import caller, require_desk_staff
from opsdesk.core.errors import InvalidInput, NotFound
from opsdesk.core.pagination import decode_cursor, encode_cursor, page_size
from opsdesk.tickets.api import ERRORS
from opsdesk.tickets.models import Ticket

from . import services
from .engine import rules_for
from .models import AutomationRun, Rule, RunOutcome
from .schemas import (
    DryRunIn,
    DryRunOut,
    RuleIn,
    RuleOut,
    RulePatch,
    RunOut,
    RunPage,
    TriggerDryRunIn,
)

router = Router(tags=["automation"])


class RunQuery(Schema):
    ticket: int | None = None
    rule: int | None = None
    dry_run: bool | None = None
    limit: int | None = None
    cursor: str | None = None


def rule_out(rule: Rule) -> dict[str, Any]:
    return {"id": rule.pk, **{f: getattr(rule, f) for f in services.RULE_FIELDS},
            "created_by": rule.created_by.email if rule.created_by else None,
            "created_at": rule.created_at, "updated_at": rule.updated_at}


def run_out(run: AutomationRun) -> dict[str, Any]:
    fields = ("kind", "name", "trigger", "dry_run", "outcome", "error", "result", "started_at",
              "finished_at", "duration_ms")
    return {"id": run.pk, "ticket_id": run.ticket_id, "rule_id": run.rule_id,
            "actor": run.actor.email if run.actor else None,
            **{f: getattr(run, f) for f in fields},
            "steps": [{f: getattr(s, f) for f in ("position", "kind", "name", "input", "output",
                                                  "duration_ms", "error")}
                      for s in run.steps.all()]}


def _rule(rule_id: int) -> Rule:
    rule = Rule.objects.select_related("created_by").filter(pk=rule_id).first()
    if rule is None:
        raise NotFound(f"No rule {rule_id}.")
    return rule


@router.get("/rules", response={200: list[RuleOut], **ERRORS}, summary="Automation rules")
def list_rules(request: HttpRequest, trigger: str | None = None) -> Any:
    require_desk_staff(caller(request))
    rules = Rule.objects.select_related("created_by").order_by("trigger", "position", "id")
    if trigger:
        rules = rules.filter(trigger=trigger)
    return [rule_out(r) for r in rules]


@router.post("/rules", response={201: RuleOut, **ERRORS}, summary="Add an automation rule")
def create_rule(request: HttpRequest, payload: RuleIn) -> Any:
    return Status(201, rule_out(services.create_rule(actor=caller(request), **payload.dict())))


@router.get("/rules/{int:rule_id}", response={200: RuleOut, **ERRORS}, summary="One rule")
def get_rule(request: HttpRequest, rule_id: int) -> Any:
    require_desk_staff(caller(request))
    return rule_out(_rule(rule_id))


@router.patch("/rules/{int:rule_id}", response={200: RuleOut, **ERRORS}, summary="Change a rule")
def patch_rule(request: HttpRequest, rule_id: int, payload: RulePatch) -> Any:
    user = caller(request)
    services.require_rule_editor(user)
    changes = {k: v for k, v in payload.dict(exclude_unset=True).items() if v is not None}
    return rule_out(services.change_rule(rule=_rule(rule_id), actor=user, **changes))


@router.delete("/rules/{int:rule_id}", response={204: None, **ERRORS}, summary="Delete a rule "
               "(its runs are kept)")
def delete_rule(request: HttpRequest, rule_id: int) -> Any:
    user = caller(request)
    services.require_rule_editor(user)
    services.delete_rule(rule=_rule(rule_id), actor=user)
    return Status(204, None)


def _ticket(ticket_id: int) -> Ticket:
    ticket = Ticket.objects.filter(pk=ticket_id).first()
    if ticket is None:
        raise NotFound(f"No ticket {ticket_id}.")
    return ticket


def _dry_run(user: User, ticket: Ticket, rules: list[Rule], trigger: str,
             sla_target: str | None) -> dict[str, Any]:
    runs = services.what_would_happen(ticket=ticket, rules=rules, trigger=trigger, actor=user,
                                      sla_target=sla_target)
    return {"ticket_id": ticket.pk, "trigger": trigger,
            "matched": [r.rule_id for r in runs if r.outcome == RunOutcome.MATCHED],
            "runs": [run_out(r) for r in runs]}


@router.post("/rules/test", response={200: DryRunOut, **ERRORS},
             summary="What would happen: every enabled rule of a trigger on a ticket, changing "
             "nothing")
def dry_run_trigger(request: HttpRequest, payload: TriggerDryRunIn) -> Any:
    user = caller(request)
    require_desk_staff(user)
    return _dry_run(user, _ticket(payload.ticket_id), rules_for(payload.trigger),
                    payload.trigger, payload.sla_target)


@router.post("/rules/{int:rule_id}/test", response={200: DryRunOut, **ERRORS},
             summary="What would happen: one rule on a ticket, changing nothing")
def dry_run_rule(request: HttpRequest, rule_id: int, payload: DryRunIn) -> Any:
    user = caller(request)
    require_desk_staff(user)
    rule = _rule(rule_id)
    return _dry_run(user, _ticket(payload.ticket_id), [rule], rule.trigger, payload.sla_target)


@router.get("/automation-runs", response={200: RunPage, **ERRORS},
            summary="Automation runs, newest first, each with its steps")
def list_runs(request: HttpRequest, filters: Query[RunQuery]) -> Any:
    require_desk_staff(caller(request))
    runs = AutomationRun.objects.select_related("actor").prefetch_related("steps")
    if filters.ticket is not None:
        runs = runs.filter(ticket_id=filters.ticket)
    if filters.rule is not None:
        runs = runs.filter(rule_id=filters.rule)
    if filters.dry_run is not None:
        runs = runs.filter(dry_run=filters.dry_run)
    if filters.cursor:
        values = decode_cursor(filters.cursor)
        if len(values) != 1 or not isinstance(values[0], int):
            raise InvalidInput("The cursor is not valid.", fields={"cursor": "not valid"})
        runs = runs.filter(pk__lt=values[0])
    size = page_size(filters.limit)
    rows = list(runs.order_by("-pk")[: size + 1])
    more = len(rows) > size
    rows = rows[:size]
    return {"items": [run_out(r) for r in rows],
            "next_cursor": encode_cursor([rows[-1].pk]) if more else None}


@router.get("/automation-runs/{int:run_id}", response={200: RunOut, **ERRORS},
            summary="One automation run with its steps")
def get_run(request: HttpRequest, run_id: int) -> Any:
    require_desk_staff(caller(request))
    run = AutomationRun.objects.select_related("actor").filter(pk=run_id).first()
    if run is None:
        raise NotFound(f"No automation run {run_id}.")
    return run_out(run)
