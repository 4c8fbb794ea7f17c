"""The automation page: rules in order, what automation achieved, and "what would happen".

Desk staff read the rules, see the figures and test a rule on a ticket; managers and admins
add, change, disable and reorder rules. Every change goes through the automation services,
which refuse a definition that does not validate and say why.
"""

from datetime import timedelta
from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from opsdesk.accounts.models import Role
from opsdesk.automation import services
from opsdesk.automation.action_kinds import describe as describe_action
from opsdesk.automation.conditions import describe as describe_condition
from opsdesk.automation.models import Rule
from opsdesk.core.errors import DomainError, Forbidden
from opsdesk.playbooks.metrics import AutomationMetrics, automation_metrics, period

from .access import desk_staff_required
from .automation_forms import RuleForm, RuleTestForm, rule_initial

METRICS_DAYS = 30  # the figures cover this many days unless a period is asked for


def can_edit_rules(user: Any) -> bool:
    return getattr(user, "role", None) in (Role.MANAGER, Role.ADMIN)


def _summary(rule: Rule) -> dict[str, Any]:
    def safe(describe: Any, item: Any) -> str:
        try:
            return str(describe(item))
        except Exception:  # a stored definition that no longer reads: show it raw
            return str(item)

    return {"rule": rule, "conditions": [safe(describe_condition, c) for c in rule.conditions],
            "actions": [safe(describe_action, a) for a in rule.actions]}


def _metrics(request: HttpRequest) -> tuple[AutomationMetrics | None, str, dict[str, str]]:
    today = timezone.localdate()
    asked = {"from": request.GET.get("from") or (today - timedelta(days=METRICS_DAYS - 1))
             .isoformat(), "to": request.GET.get("to") or today.isoformat()}
    try:
        since, until = period(start=asked["from"], end=asked["to"])
    except DomainError as exc:
        return None, exc.message, asked
    return automation_metrics(since=since, until=until), "", asked


def _page(request: HttpRequest, status: int = 200, **extra: Any) -> HttpResponse:
    rules = Rule.objects.order_by("trigger", "position", "id")
    found, metrics_error, asked = _metrics(request)
    return render(request, "web/rules.html", {
        "rules": [_summary(r) for r in rules], "can_edit": can_edit_rules(request.user),
        "metrics": found, "metrics_error": metrics_error, "period": asked,
        "test_form": extra.pop("test_form", None) or RuleTestForm(), **extra,
    }, status=status)


@desk_staff_required
def rules_page(request: HttpRequest) -> HttpResponse:
    return _page(request)


@desk_staff_required
@require_POST
def test_rule(request: HttpRequest) -> HttpResponse:
    """What would happen: the rule's dry run on a ticket, shown with each step."""
    form = RuleTestForm(request.POST)
    if not form.is_valid():
        return _page(request, status=400, test_form=form)
    rule, ticket = form.cleaned_data["rule"], form.cleaned_data["ticket"]
    runs = services.what_would_happen(ticket=ticket, rules=[rule], trigger=rule.trigger,
                                      actor=request.user)  # type: ignore[arg-type]
    return _page(request, test_form=form, tested=runs, tested_ticket=ticket)


def _editor(request: HttpRequest) -> Any:
    if not can_edit_rules(request.user):
        raise PermissionDenied
    return request.user


def _rule(pk: int) -> Rule:
    rule = Rule.objects.filter(pk=pk).first()
    if rule is None:
        raise Http404
    return rule


def _form_page(request: HttpRequest, form: RuleForm, rule: Rule | None,
               status: int = 200) -> HttpResponse:
    return render(request, "web/rule_form.html", {"form": form, "rule": rule}, status=status)


def _refused(request: HttpRequest, form: RuleForm, rule: Rule | None,
             exc: DomainError) -> HttpResponse:
    """The services' refusal in full at the top, and each problem by its field."""
    form.add_error(None, exc.message)
    for path, why in exc.fields.items():
        field = path.split("[")[0].split(".")[0]
        if field in form.fields and field not in ("conditions", "actions"):
            form.add_error(field, why)
        elif field in form.fields:
            form.add_error(field, f"{path}: {why}")
    return _form_page(request, form, rule, status=400)


def _next_position(trigger: str) -> int:
    last = Rule.objects.filter(trigger=trigger).order_by("-position").first()
    return last.position + 1 if last else 1


@desk_staff_required
def new_rule(request: HttpRequest) -> HttpResponse:
    actor = _editor(request)
    form = RuleForm(request.POST or None)
    if request.method != "POST" or not form.is_valid():
        return _form_page(request, form, None, status=400 if form.is_bound else 200)
    data = form.cleaned_data
    try:
        rule = services.create_rule(actor=actor, position=_next_position(data["trigger"]),
                                    **data)
    except DomainError as exc:
        return _refused(request, form, None, exc)
    messages.success(request, _("Rule “%(name)s” added.") % {"name": rule.name})
    return redirect("web:rules")


@desk_staff_required
def edit_rule(request: HttpRequest, pk: int) -> HttpResponse:
    actor, rule = _editor(request), _rule(pk)
    form = RuleForm(request.POST or None, initial=rule_initial(rule))
    if request.method != "POST" or not form.is_valid():
        return _form_page(request, form, rule, status=400 if form.is_bound else 200)
    changes = dict(form.cleaned_data)
    if changes["trigger"] != rule.trigger:  # it joins the end of its new trigger's rules
        changes["position"] = _next_position(changes["trigger"])
    try:
        services.change_rule(rule=rule, actor=actor, **changes)
    except DomainError as exc:
        return _refused(request, form, _rule(pk), exc)
    messages.success(request, _("Rule “%(name)s” saved.") % {"name": rule.name})
    return redirect("web:rules")


@desk_staff_required
@require_POST
def toggle_rule(request: HttpRequest, pk: int) -> HttpResponse:
    actor, rule = _editor(request), _rule(pk)
    services.change_rule(rule=rule, actor=actor, enabled=not rule.enabled)
    text = _("Rule “%(name)s” enabled.") if rule.enabled else _("Rule “%(name)s” disabled.")
    messages.success(request, text % {"name": rule.name})
    return redirect("web:rules")


@desk_staff_required
@require_POST
def move_rule(request: HttpRequest, pk: int) -> HttpResponse:
    actor, rule = _editor(request), _rule(pk)
    by = -1 if request.POST.get("direction") == "up" else 1
    try:
        services.move_rule(rule=rule, actor=actor, by=by)
    except Forbidden as exc:
        raise PermissionDenied from exc
    return redirect("web:rules")
