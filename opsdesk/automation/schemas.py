"""API input and output for rules and automation runs (API.md "Automation")."""

from datetime import datetime
from typing import Any, Literal

from ninja import Schema
from pydantic import Field

TriggerValue = Literal["ticket_created", "ticket_updated", "message_received", "sla_warning",
                       "scheduled"]


class RuleIn(Schema):
    name: str = Field(..., min_length=1, max_length=100)
    description: str = ""
    position: int = Field(0, ge=0)
    enabled: bool = True
    trigger: TriggerValue
    conditions: list[Any] = Field(default_factory=list,
                                  description='e.g. [{"field": "text", "op": "contains", '
                                  '"value": ["login", "đăng nhập"], "ignore_accents": true}]')
    actions: list[Any] = Field(..., description='e.g. [{"action": "add_tag", "tag": "login"}]')
    stop_processing: bool = False
    repeat_after_minutes: int = Field(60, ge=1, description="Scheduled rules only.")


class RulePatch(Schema):
    name: str | None = Field(None, min_length=1, max_length=100)
    description: str | None = None
    position: int | None = Field(None, ge=0)
    enabled: bool | None = None
    trigger: TriggerValue | None = None
    conditions: list[Any] | None = None
    actions: list[Any] | None = None
    stop_processing: bool | None = None
    repeat_after_minutes: int | None = Field(None, ge=1)


class RuleOut(RuleIn):
    id: int
    created_by: str | None
    created_at: datetime
    updated_at: datetime


class DryRunIn(Schema):
    ticket_id: int
    sla_target: str | None = Field(None, description="sla_warning rules: the clock that warned.")


class TriggerDryRunIn(DryRunIn):
    trigger: TriggerValue


class StepOut(Schema):
    position: int
    kind: str
    name: str
    input: dict[str, Any]
    output: dict[str, Any]
    duration_ms: int
    error: str


class RunOut(Schema):
    id: int
    ticket_id: int
    rule_id: int | None
    kind: str
    name: str
    trigger: str
    dry_run: bool
    outcome: str
    error: str
    result: dict[str, Any]
    actor: str | None
    started_at: datetime
    finished_at: datetime | None
    duration_ms: int
    steps: list[StepOut]


class RunPage(Schema):
    items: list[RunOut]
    next_cursor: str | None


class DryRunOut(Schema):
    ticket_id: int
    trigger: str
    matched: list[int] = Field(..., description="The rules that would act, in order.")
    runs: list[RunOut] = Field(..., description="One dry run per rule evaluated.")
