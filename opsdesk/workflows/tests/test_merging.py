"""The merge and split workflows through a real SMTP server: the merged ticket's requester
is told once where their request continues (in their language, no note anywhere, no
closure or rating email); a split-off request is acknowledged as any new one."""

from email.header import decode_header, make_header

import pytest
from django.conf import settings

from opsdesk.communications.tests.conftest import body_of, smtp  # noqa: F401 (a fixture)
from opsdesk.sla.models import ClockStatus, SlaClock
from opsdesk.tickets.models import Message, Ticket
from opsdesk.tickets.services import TicketDraft
from opsdesk.workflows import messages as message_workflow
from opsdesk.workflows import tickets as ticket_workflow
from opsdesk.workflows.merging import merge_ticket, split_ticket

pytestmark = pytest.mark.django_db

NOTE = "Internal: the CDN key expired, Minh renews it tonight"


@pytest.fixture
def target(agent, requester):
    return ticket_workflow.open_ticket(actor=agent, draft=TicketDraft(
        requester=requester, title="Videos do not play in WEB102"))


@pytest.fixture
def duplicate(agent, other_requester):
    ticket = ticket_workflow.open_ticket(actor=agent, draft=TicketDraft(
        requester=other_requester, title="WEB102 video will not start"))
    message_workflow.add_message(ticket=ticket, actor=agent, kind="note", body=NOTE)
    return ticket


def subject_of(mail):
    return str(make_header(decode_header(mail["Subject"])))


def merge(agent, duplicate, target, capture):
    """Merge as a request does: the jobs its commit queues are kept for run_tasks."""
    with capture(execute=True):
        return merge_ticket(ticket=duplicate, into=target, actor=agent)


def test_the_merged_tickets_requester_is_told_once_by_email(
        agent, other_requester, target, duplicate, smtp, run_tasks,  # noqa: F811
        django_capture_on_commit_callbacks):
    merge(agent, duplicate, target, django_capture_on_commit_callbacks)
    assert run_tasks() == 1
    [(rcpt, mail)] = smtp.received
    assert rcpt == [other_requester.email]
    assert subject_of(mail) == f"[{duplicate.ref}] Your request continues as {target.ref}"
    text = body_of(mail)
    assert f"continue to work on it as {target.ref}" in text
    assert f"{settings.OPSDESK_BASE_URL}/portal/tickets/{duplicate.pk}/" in text
    [told] = Message.objects.filter(ticket=duplicate, kind="reply")
    assert (told.delivery_status, told.public) == ("sent", True)


def test_no_note_reaches_anyone_and_no_closure_or_rating_email_goes_out(
        agent, target, duplicate, smtp, run_tasks,  # noqa: F811
        django_capture_on_commit_callbacks):
    merge(agent, duplicate, target, django_capture_on_commit_callbacks)
    run_tasks()
    assert len(smtp.messages) == 1
    assert all(NOTE not in m.as_string() for m in smtp.messages)
    assert "rate" not in body_of(smtp.messages[0]).lower()
    assert Message.objects.get(body=NOTE).delivery_status == "none"


def test_a_vietnamese_requester_is_told_in_vietnamese_with_the_targets_link(
        agent, requester, target, smtp, run_tasks,  # noqa: F811
        django_capture_on_commit_callbacks):
    requester.language = "vi"
    requester.save(update_fields=["language"])
    again = ticket_workflow.open_ticket(actor=agent, draft=TicketDraft(
        requester=requester, title="Video WEB102 khong chay"))
    merge(agent, again, target, django_capture_on_commit_callbacks)
    run_tasks()
    [mail] = smtp.messages
    assert subject_of(mail) == f"[{again.ref}] Yêu cầu của bạn được tiếp tục tại {target.ref}"
    text = body_of(mail)
    assert text.startswith(f"Xin chào {requester.name},")
    assert f"{settings.OPSDESK_BASE_URL}/portal/tickets/{target.pk}/" in text


def test_later_replies_on_the_target_reach_the_merged_tickets_requester(
        agent, requester, other_requester, target, duplicate, smtp, run_tasks,  # noqa: F811
        django_capture_on_commit_callbacks):
    merge(agent, duplicate, target, django_capture_on_commit_callbacks)
    run_tasks()
    with django_capture_on_commit_callbacks(execute=True):
        message_workflow.add_message(ticket=Ticket.objects.get(pk=target.pk), actor=agent,
                                     kind="reply", body="Videos play again.")
    run_tasks()
    rcpt, _ = smtp.received[-1]
    assert sorted(rcpt) == sorted([requester.email, other_requester.email])


def test_a_reply_not_emailed_yet_stays_and_goes_to_the_merged_tickets_requester_only(
        agent, other_requester, target, duplicate, smtp, run_tasks,  # noqa: F811
        django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):  # queued, the worker not run yet
        queued = message_workflow.add_message(ticket=duplicate, actor=agent, kind="reply",
                                              body="Which browser do you use?")
    merge(agent, duplicate, target, django_capture_on_commit_callbacks)
    assert Message.objects.get(pk=queued.pk).ticket_id == duplicate.pk
    assert run_tasks() == 2
    assert [rcpt for rcpt, _ in smtp.received] == [[other_requester.email]] * 2
    assert {body_of(m).strip() for m in smtp.messages} >= {"Which browser do you use?"}


def test_without_automatic_notices_nobody_is_emailed(
        agent, target, duplicate, smtp, run_tasks, settings,  # noqa: F811
        django_capture_on_commit_callbacks):
    settings.OPSDESK_AUTO_NOTIFY = False
    merged = merge(agent, duplicate, target, django_capture_on_commit_callbacks)
    assert run_tasks() == 0 and smtp.messages == []
    assert merged.merged_into_id == target.pk


def test_a_split_off_request_gets_its_own_clocks_and_ack(
        agent, requester, other_requester, smtp, run_tasks,  # noqa: F811
        django_capture_on_commit_callbacks):
    ticket = ticket_workflow.open_ticket(actor=agent, draft=TicketDraft(
        requester=requester, title="Quiz timer wrong"))
    reply = message_workflow.add_message(ticket=ticket, actor=other_requester, kind="reply",
                                         body="Gradebook export is empty\nHeaders only.")
    with django_capture_on_commit_callbacks(execute=True):
        new = split_ticket(ticket=ticket, message=reply, actor=agent)
    assert new.requester == other_requester and new.pk != ticket.pk
    running = SlaClock.objects.filter(ticket=new, status=ClockStatus.RUNNING)
    assert {c.target for c in running} >= {"ack", "resolve"}
    with django_capture_on_commit_callbacks(execute=True):
        run_tasks()  # the fan-out job writes the ACK and emails it within the job
    [(rcpt, ack)] = smtp.received
    assert rcpt == [other_requester.email] and new.ref in subject_of(ack)
    assert Message.objects.filter(ticket=new, template="ack").count() == 1


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("shipped_data")
def test_two_agents_merging_a_pair_crosswise_at_once_merge_it_once(agent, manager, target,
                                                                     duplicate):
    """Each merge locks the pair lower number first: one waits for the other, then finds
    the pair merged (409), instead of the two deadlocking. A third transaction holds the
    higher ticket until both merges are under way, so they always meet."""
    import threading
    import time

    from django.db import connection, transaction

    from opsdesk.core.errors import Conflict
    from opsdesk.tickets.services import lock_ticket

    holding, release = threading.Event(), threading.Event()
    outcomes: list[str] = []

    def hold(ticket):
        try:
            with transaction.atomic():
                lock_ticket(ticket=ticket, version=None)
                holding.set()
                release.wait(10)
        finally:
            connection.close()

    def merge_as(actor, ticket, into):
        try:
            merge_ticket(ticket=ticket, into=into, actor=actor)
            outcomes.append("merged")
        except Conflict:
            outcomes.append("refused")
        except Exception as exc:  # a deadlock would land here
            outcomes.append(repr(exc))
        finally:
            connection.close()

    threads = [threading.Thread(target=hold, args=(max(target, duplicate, key=lambda t: t.pk),))]
    threads[0].start()
    holding.wait(10)
    threads += [threading.Thread(target=merge_as, args=args)
                for args in ((agent, duplicate, target), (manager, target, duplicate))]
    for thread in threads[1:]:
        thread.start()
    time.sleep(0.5)  # both merges wait on a lock by now
    release.set()
    for thread in threads:
        thread.join()
    assert sorted(outcomes) == ["merged", "refused"]
    pointers = set(Ticket.objects.values_list("merged_into", flat=True))
    assert pointers in ({None, target.pk}, {None, duplicate.pk})
