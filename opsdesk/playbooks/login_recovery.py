"""The login-recovery playbook (seed week 5; DESIGN §2 "Automation").

Teachers' LMS accounts are deactivated after 30 days without signing in; the fix is always
the same. For a ticket about one person's sign-in or account:

1. detect the wording (English, Vietnamese; detection.py), else skip and do nothing;
2. find the affected person's address: the requester's, or the one a coordinator names;
3. ask the HR directory, then (only for someone HR says is active) the LMS;
4. decide: active + deactivated → reactivate; active + active → password reset; anyone
   else (terminated, unknown to HR, no LMS account, another LMS state) → escalate to an
   engineer with what was found, never touching the account;
5. act in the LMS (idempotency key "run-<id>:<action>", the same on a retry);
6. on the ticket, in one transaction: an internal note listing each step, a reply to the
   requester in the ticket's language, and the stage: Resolved after a fix; after an
   escalation, In Progress, with a holding reply ("an engineer is looking at it") so the
   requester is not left without an answer (it says nothing of what HR said).

An outside system that fails (down, time-out, 5xx, not configured) ends in an escalation
with the error; nothing changed in the LMS unless the LMS itself did it and lost its answer,
which the retry settles: a retry repeats an unconfirmed action under the same key instead
of deciding afresh (a reactivation that went through must not become a password reset).
On a successful retry the earlier escalation is closed; a retry that fails again adds a
note only (no second escalation, no second holding reply).
"""

import logging
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.db import transaction

from opsdesk.accounts.models import Team
from opsdesk.automation.models import AutomationRun, RunOutcome
from opsdesk.connectors.clients import hr_client, lms_client
from opsdesk.connectors.errors import ConnectorError
from opsdesk.connectors.hr.client import Employee
from opsdesk.connectors.lms.client import Account
from opsdesk.tickets.escalations import Handoff, close_escalation
from opsdesk.tickets.models import Escalation, MessageKind, Stage, Ticket

from .detection import Person, affected_person, detect_ticket
from .models import ReplyKey
from .replies import Reply, render_reply
from .runner import Outcome, Playbook, PlaybookRun, message_of

logger = logging.getLogger("opsdesk.playbooks")

REACTIVATE, PASSWORD_RESET, NONE = "reactivate", "password_reset", "none"
RESOLVED, ESCALATED, SKIPPED = "resolved", "escalated", "skipped"
UNKNOWN_TO_HR, NOT_IN_LMS, NO_ADDRESS, ERROR = ("unknown to HR", "not in the LMS",
                                                "no single address", "error")
ACTION_LABEL = {REACTIVATE: "reactivate the LMS account",
                PASSWORD_RESET: "send a password reset from the LMS"}
REPLY_FOR = {REACTIVATE: ReplyKey.LOGIN_REACTIVATED,
             PASSWORD_RESET: ReplyKey.LOGIN_PASSWORD_RESET}
LANGUAGE_NAMES = {"en": "English", "vi": "Vietnamese"}
CLOSED_STAGES = (Stage.RESOLVED, Stage.CLOSED, Stage.CANCELLED)


def escalation_team_name() -> str:
    return str(getattr(settings, "OPSDESK_LOGIN_RECOVERY_TEAM", "Dev Team"))


@dataclass
class Decision:
    action: str  # reactivate, password_reset or none
    outcome: str  # resolved or escalated
    reason: str = ""  # why it is escalated: "terminated", "unknown to HR", "error", …
    error: str = ""
    retryable: bool = False

    def as_dict(self) -> dict[str, Any]:
        return {"action": self.action, "outcome": self.outcome, "reason": self.reason,
                **({"error": self.error} if self.error else {})}


def decide(employee: Employee | None, account: Account | None) -> Decision:
    """The decision table of the scenario."""
    if employee is None:
        return Decision(NONE, ESCALATED, UNKNOWN_TO_HR)
    if not employee.is_active:
        return Decision(NONE, ESCALATED, employee.employment_status or "not active")
    if account is None:
        return Decision(NONE, ESCALATED, NOT_IN_LMS)
    if account.status == "deactivated":
        return Decision(REACTIVATE, RESOLVED)
    if account.is_active:
        return Decision(PASSWORD_RESET, RESOLVED)
    return Decision(NONE, ESCALATED, f"LMS account {account.status}")


@dataclass
class Facts:
    """What the run learnt, for the note, the hand-off and the result."""

    person: Person | None = None
    employee: Employee | None = None
    account: Account | None = None
    lms_status_after: str | None = None
    unconfirmed: bool = False  # an LMS change was asked for and not confirmed
    lines: list[str] = field(default_factory=list)  # the note's list of steps

    @property
    def email(self) -> str:
        return self.person.email if self.person else ""

    @property
    def for_someone_else(self) -> bool:
        return bool(self.person and self.person.source == "text")


class LoginRecovery(Playbook):
    name = "login_recovery"
    title = "Login recovery"
    description = ("Login or account ticket: check HR and the LMS, reactivate the account or "
                   "send a password reset, or escalate to an engineer; note, reply, stage.")

    def applies_to(self, ticket: Ticket) -> bool:
        return detect_ticket(ticket).login

    def execute(self, ctx: PlaybookRun, ticket: Ticket) -> Outcome:
        with ctx.step("check the ticket", {"ref": ticket.ref, "stage": ticket.stage}) as out:
            blocker = self._blocker(ctx, ticket)
            out.update(go=not blocker, **({"reason": blocker} if blocker else {}))
        if blocker:
            return self._skip(ctx, blocker)
        with ctx.step("detect a login or account ticket",
                      {"title": ticket.title, "language": ticket.language}) as out:
            found = detect_ticket(ticket)
            out.update(found.as_dict())
        if not found.login:
            return self._skip(ctx, found.reason)
        facts = Facts(lines=[f"Detected a sign-in / account ticket ({', '.join(found.matched)})."])
        requester = ticket.requester
        with ctx.step("find the affected person", {"requester": requester.email,
                                                   "requester_role": requester.requester_role}
                      ) as out:
            facts.person = affected_person(requester_email=requester.email,
                                           requester_role=requester.requester_role,
                                           text=f"{ticket.title}\n{ticket.description}")
            out.update(facts.person.as_dict())
        decision = self._check_and_act(ctx, facts)
        ctx.flush()
        return self._conclude(ctx, ticket, facts, decision)

    # -- before anything ---------------------------------------------------------------

    def _blocker(self, ctx: PlaybookRun, ticket: Ticket) -> str:
        """Why the playbook must not work this ticket now ("" when it may)."""
        if ticket.stage in CLOSED_STAGES:
            return f"the ticket is {Stage(ticket.stage).label.lower()}"
        if ctx.attempt > 1:
            return ""
        # Asked for by hand, it may work a ticket again (e.g. reopened); started by an event
        # (ticket created, a rule), only once per ticket. Never two at once.
        blocking = [RunOutcome.RUNNING, RunOutcome.FAILED]
        if ctx.run.trigger != "manual":
            blocking.append(RunOutcome.MATCHED)
        other = (AutomationRun.objects.filter(ticket=ticket, kind="playbook", name=self.name,
                                              dry_run=False, outcome__in=blocking)
                 .exclude(pk=ctx.run.pk).order_by("-pk").first())
        if other is None:
            return ""
        if other.outcome == RunOutcome.FAILED:
            return f"run {other.pk} failed on this ticket: retry that run instead"
        if other.outcome == RunOutcome.RUNNING:
            return f"run {other.pk} is working this ticket"
        return f"run {other.pk} already worked this ticket"

    def _skip(self, ctx: PlaybookRun, reason: str) -> Outcome:
        return Outcome(RunOutcome.SKIPPED, {**ctx.previous, "outcome": SKIPPED, "action": NONE,
                                            "reason": reason, "dry_run": ctx.dry_run})

    # -- HR, LMS, decision, action ---------------------------------------------------------

    def _check_and_act(self, ctx: PlaybookRun, facts: Facts) -> Decision:
        person = facts.person
        assert person is not None
        if not person.email:
            facts.lines.append(f"No single affected person: {person.problem}")
            nobody = Decision(NONE, ESCALATED, NO_ADDRESS)
            with ctx.step("decide", {"email": ""}) as out:
                out.update(nobody.as_dict())
            return nobody
        facts.lines.append(f"Affected person: {person.email} ("
                           + ("named in the text by the requester" if person.source == "text"
                              else "the requester") + ").")
        pending = ctx.previous.get("pending_action")
        decision: Decision | None = None
        try:
            with ctx.step("ask the HR directory", {"email": person.email}) as out:
                facts.employee = employee = hr_client().employee(person.email)
                out.update(found=employee is not None,
                           **({"employment_status": employee.employment_status,
                               "role": employee.role} if employee else {}))
            facts.lines.append(
                "HR directory: " + (f"{employee.employment_status} {employee.role}".strip()
                                    if employee else "no employee with this address, unknown to "
                                    "HR") + ".")
            self._ask_lms(ctx, facts)
            decision = decide(facts.employee, facts.account)
            if pending and decision.outcome == RESOLVED:  # an unconfirmed earlier action
                decision = Decision(pending["action"], RESOLVED)
            with ctx.step("decide", {
                    "employment_status": getattr(facts.employee, "employment_status", None),
                    "lms_status": getattr(facts.account, "status", None),
                    **({"unconfirmed_action": pending} if pending else {})}) as out:
                out.update(decision.as_dict())
                if pending and decision.outcome == RESOLVED:
                    out["note"] = ("an earlier attempt of this run asked the LMS for this and "
                                   "did not finish: the same action again, under the same "
                                   "idempotency key (done at most once)")
            if decision.action != NONE:
                self._act(ctx, facts, decision)
        except ConnectorError as exc:
            decision = self._failed(ctx, facts, decision, exc.message, exc.retryable)
        except Exception as exc:  # any failure of an outside call escalates
            decision = self._failed(ctx, facts, decision, message_of(exc), True)
        return decision

    def _ask_lms(self, ctx: PlaybookRun, facts: Facts) -> None:
        """The account, read only. For someone HR does not say is active it is context for
        the engineer: if the LMS cannot be read then, the decision (escalate) stands."""
        active = facts.employee is not None and facts.employee.is_active
        try:
            with ctx.step("ask the LMS", {"email": facts.email}) as out:
                facts.account = account = lms_client().account(facts.email)
                out.update(found=account is not None,
                           **({"account_id": account.id, "status": account.status,
                               "reason": account.reason} if account else {}))
        except ConnectorError as exc:
            if active:
                raise
            facts.lines.append(f"LMS: could not be read ({exc.message}).")
            return
        facts.lms_status_after = account.status if account else None
        facts.lines.append("LMS: " + (f"account {account.id} {account.status}"
                                      + (f" ({account.reason})" if account.reason else "")
                                      if account else "no account") + ".")

    def _act(self, ctx: PlaybookRun, facts: Facts, decision: Decision) -> None:
        account = facts.account
        assert account is not None
        key = ctx.key(decision.action)
        with ctx.step(ACTION_LABEL[decision.action], {"account_id": account.id,
                                                      "idempotency_key": key}) as out:
            if ctx.dry_run:
                out.update(dry_run=True, would=ACTION_LABEL[decision.action], changed=False)
                facts.lines.append(f"Would {ACTION_LABEL[decision.action]} {account.id}.")
                return
            ctx.remember(pending_action={"action": decision.action, "account_id": account.id,
                                         "idempotency_key": key})
            lms = lms_client()
            if decision.action == REACTIVATE:
                after = lms.reactivate(account.id, idempotency_key=key)
                facts.lms_status_after = after.status
                facts.lines.append(f"Reactivated LMS account {account.id}: the LMS now shows "
                                   f"it {after.status}.")
            else:
                lms.send_password_reset(account.id, idempotency_key=key)
                facts.lines.append(f"The LMS sent a password-reset link to {account.email}.")
            out.update(done=True, status_after=facts.lms_status_after)
            # `pending_action` stays until the ticket is updated too: a retry after a failed
            # update repeats the action (answered from the LMS's record), not a new decision.
            ctx.remember(action_done=decision.action)

    def _failed(self, ctx: PlaybookRun, facts: Facts, decided: Decision | None, error: str,
                retryable: bool) -> Decision:
        acting = decided is not None and decided.action != NONE
        facts.unconfirmed = acting and not ctx.dry_run
        facts.lines.append(f"Failed: {error}."
                           + (" The LMS did not confirm the change; a retry repeats it under "
                              "the same idempotency key, so it happens at most once."
                              if acting else " Nothing was changed in the LMS."))
        decision = Decision(NONE, ESCALATED, ERROR, error=error, retryable=retryable)
        with ctx.step("decide", {"error": error}) as out:
            out.update(decision.as_dict(), retryable=retryable)
        return decision

    # -- the ticket -------------------------------------------------------------------------

    def _conclude(self, ctx: PlaybookRun, ticket: Ticket, facts: Facts,
                  decision: Decision) -> Outcome:
        result: dict[str, Any] = {
            **ctx.previous, **decision.as_dict(), "subject_email": facts.email or None,
            "email_source": facts.person.source if facts.person else None,
            "employment_status": getattr(facts.employee, "employment_status", None),
            "lms_status_after": facts.lms_status_after, "dry_run": ctx.dry_run,
            "retryable": decision.retryable}
        first = len(ctx.pending)
        try:
            with transaction.atomic():
                done = self._update_ticket(ctx, ticket, facts, decision)
        except Exception as exc:
            logger.exception("login recovery run %s: updating ticket %s failed", ctx.run.pk,
                             ticket.pk)
            for record in ctx.pending[first:]:
                if not record.error:
                    record.output["undone"] = True
            error = message_of(exc)
            return Outcome(RunOutcome.FAILED, {**result, "outcome": "failed",
                                               "error": error, "retryable": True},
                           f"updating the ticket: {error}")
        result.update(done)
        if decision.outcome == RESOLVED:
            result["pending_action"] = None
        if decision.reason == ERROR:
            return Outcome(RunOutcome.FAILED, result, decision.error)
        return Outcome(RunOutcome.MATCHED, result)

    def _update_ticket(self, ctx: PlaybookRun, ticket: Ticket, facts: Facts,
                       decision: Decision) -> dict[str, Any]:
        # The workflows run the rules, and a rule can run this playbook: imported here.
        from opsdesk.workflows.escalations import escalate
        from opsdesk.workflows.messages import add_message
        from opsdesk.workflows.tickets import change_stage

        done: dict[str, Any] = {"reply_sent": False, "reply_language": None}
        escalation_id = ctx.previous.get("escalation_id")
        extra = {"account_email": facts.email, "for_someone_else": facts.for_someone_else}
        findings = " ".join(facts.lines)  # what was checked, for the hand-off
        reply: Reply | None = None
        if decision.outcome == RESOLVED:
            reply = render_reply(key=REPLY_FOR[decision.action], ticket=ticket, extra=extra)
        elif not escalation_id:  # a holding reply, once per run
            reply = render_reply(key=ReplyKey.LOGIN_ESCALATED, ticket=ticket, extra=extra)
        team = None
        if decision.outcome == ESCALATED and not escalation_id:
            team = self._team(ctx)
            facts.lines.append(f"Escalated to {team.name if team else escalation_team_name()}"
                               f" ({decision.reason}).")
        elif decision.outcome == ESCALATED:
            facts.lines.append(f"Still escalated (escalation {escalation_id}).")
        if reply is not None:
            facts.lines.append(f"Reply to the requester in "
                               f"{LANGUAGE_NAMES.get(reply.language, reply.language)}: "
                               f"“{reply.subject}”.")
        target = Stage.RESOLVED if decision.outcome == RESOLVED else Stage.IN_PROGRESS
        move = ticket.stage != target and (target == Stage.RESOLVED
                                           or ticket.stage in (Stage.NEW, Stage.WAITING))
        if move:
            facts.lines.append(f"Stage: {Stage(target).label}.")

        note = self._note(ctx, facts)
        with ctx.step("add an internal note", {"lines": len(facts.lines)}) as out:
            if ctx.dry_run:
                out.update(dry_run=True, would_add=note)
            else:
                out["message_id"] = add_message(ticket=ticket, actor=ctx.system,
                                                kind=MessageKind.NOTE, body=note).pk
        if decision.outcome == ESCALATED and not escalation_id:
            with ctx.step(f"escalate to {escalation_team_name()}",
                          {"reason": decision.reason}) as out:
                handoff = self._handoff(ctx, ticket, facts, decision, findings)
                if ctx.dry_run or team is None:
                    out.update(dry_run=True, would_escalate=vars(handoff))
                else:
                    escalation = escalate(ticket=ticket, actor=ctx.system, team=team,
                                          handoff=handoff)
                    done["escalation_id"] = escalation.pk
                    out.update(escalation_id=escalation.pk, team=team.name)
        if decision.outcome == RESOLVED and escalation_id:
            with ctx.step("close the earlier escalation", {"escalation_id": escalation_id}
                          ) as out:
                earlier = Escalation.objects.filter(pk=escalation_id).first()
                if earlier is not None and not ctx.dry_run:
                    close_escalation(escalation=earlier, actor=ctx.system)
                out.update(closed=earlier is not None and not ctx.dry_run)
        if reply is not None:
            with ctx.step("reply to the requester", {"template": reply.key,
                                                     "language": reply.language}) as out:
                out["subject"] = reply.subject
                if ctx.dry_run:
                    out.update(dry_run=True, would_send=reply.body)
                else:
                    message = add_message(ticket=ticket, actor=ctx.system,
                                          kind=MessageKind.REPLY, body=reply.body)
                    out["message_id"] = message.pk
                    done.update(reply_message_id=message.pk)
            done.update(reply_sent=not ctx.dry_run, reply_language=reply.language)
        if move:
            with ctx.step(f"move the ticket to {Stage(target).label}",
                          {"from": ticket.stage, "to": target}) as out:
                if ctx.dry_run:
                    out.update(dry_run=True, would_move=True)
                else:
                    change_stage(ticket=ticket, actor=ctx.system, to=target,
                                 reason=f"login recovery, run {ctx.run.pk}",
                                 waive_verification="login recovery: the LMS confirmed the "
                                 "fix")
                    out["moved"] = True
        return done

    def _team(self, ctx: PlaybookRun) -> Team | None:
        """The engineers' team (created on first use); None in a dry run."""
        if ctx.dry_run:
            return None
        team, _ = Team.objects.get_or_create(name=escalation_team_name())
        return team

    def _note(self, ctx: PlaybookRun, facts: Facts) -> str:
        started = (f", started by {ctx.requested_by.display_name}"
                   if ctx.requested_by is not None and ctx.requested_by.pk != ctx.system.pk
                   else "")
        head = (f"Login recovery (automation run {ctx.run.pk}"
                + (f", attempt {ctx.attempt}" if ctx.attempt > 1 else "") + started + "):")
        return "\n".join([head, *(f"{n}. {line}" for n, line in enumerate(facts.lines, 1))])

    def _handoff(self, ctx: PlaybookRun, ticket: Ticket, facts: Facts, decision: Decision,
                 findings: str) -> Handoff:
        email = facts.email or "address unknown"
        hypotheses = {
            UNKNOWN_TO_HR: "The address is not in the HR directory (not staff, a personal "
            "address, or a typo). Automation never touches the account of someone HR does "
            "not know.",
            NOT_IN_LMS: "HR knows the person but the LMS has no account with this address "
            "(never created, or under another address).",
            NO_ADDRESS: "The requester writes for someone else and names several addresses.",
            ERROR: f"An outside system failed during the automatic fix: {decision.error}.",
        }
        hypothesis = hypotheses.get(decision.reason) or (
            f"HR records the person as {decision.reason}: access must not be restored "
            "automatically." if facts.employee is not None and not facts.employee.is_active
            else f"The LMS account is in a state the playbook does not handle "
            f"({decision.reason}).")
        ask = (f"Retry automation run {ctx.run.pk} once the system answers again (POST "
               f"/api/v1/automation-runs/{ctx.run.pk}/retry), or fix the account by hand."
               if decision.reason == ERROR else
               "Check the person's situation and decide whether to restore access; answer "
               "on the ticket.")
        return Handoff(
            impact_summary=f"One person cannot sign in to the LMS ({email})",
            findings=findings or "Nothing could be checked.",
            hypothesis=hypothesis,
            workaround_status="None. " + ("The LMS did not confirm the change asked for; a "
                                          "retry repeats it at most once." if facts.unconfirmed
                                          else "The automation did not change the LMS "
                                          "account."),
            ask=ask, update_cadence_minutes=_update_cadence(ticket))


def _update_cadence(ticket: Ticket) -> int:
    """Minutes between updates the requester is promised, by the ticket's SLA policy."""
    from opsdesk.sla.models import Target
    from opsdesk.sla.services import policy_for

    policy = policy_for(ticket)
    minutes = policy.minutes_for(Target.UPDATE) if policy else None
    return int(minutes) if minutes else 60

