"""The real fake HR directory and LMS on free ports, connectors pointing at them, and the
scenario's tickets made the way they arrive (through the ticket service)."""

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.core import mail

from opsdesk.accounts.services import find_or_create_requester
from opsdesk.automation.models import AutomationRun
from opsdesk.connectors.hr.fake import FakeHrServer
from opsdesk.connectors.lms.fake import FakeLmsServer
from opsdesk.connectors.models import ConnectorConfig, ConnectorKind
from opsdesk.tickets.models import Message, MessageKind, Ticket
from opsdesk.tickets.services import TicketDraft
from opsdesk.workflows.tickets import open_ticket

SCENARIO_FILE = Path(__file__).resolve().parents[2] / "demo" / "data" / "login-recovery.json"
SCENARIO: dict[str, Any] = json.loads(SCENARIO_FILE.read_text(encoding="utf-8"))
TICKETS = {t["key"]: t for t in SCENARIO["tickets"]}
TOKEN = "playbook-test-token"
TIMEOUT = 0.3  # seconds per attempt; the fakes' `delay` goes beyond it
RETRIES = 1


@pytest.fixture
def hr_fake() -> Iterator[FakeHrServer]:
    with FakeHrServer(SCENARIO_FILE, token=TOKEN) as fake:
        yield fake


@pytest.fixture
def lms_fake() -> Iterator[FakeLmsServer]:
    with FakeLmsServer(SCENARIO_FILE, token=TOKEN) as fake:
        yield fake


@pytest.fixture
def connectors(db: None, hr_fake: FakeHrServer, lms_fake: FakeLmsServer) -> None:
    """The HR and LMS connectors, as configured in admin, pointing at the fakes."""
    for kind, fake in ((ConnectorKind.HR, hr_fake), (ConnectorKind.LMS, lms_fake)):
        ConnectorConfig.objects.create(kind=kind, name=f"Test {kind}", base_url=fake.url,
                                       token=TOKEN, timeout_seconds=TIMEOUT, retries=RETRIES)


@pytest.fixture
def scenario_ticket(agent: Any) -> Any:
    """A ticket of the scenario by its key ("101"…"107"), from its requester."""

    def make(key: str, **changes: Any) -> Ticket:
        spec = {**TICKETS[key], **changes}
        person = spec["requester"]
        language = spec.get("language", "en")
        requester = find_or_create_requester(email=person["email"], name=person["name"],
                                             requester_role=person.get("role", ""),
                                             language=language)
        return open_ticket(actor=agent, draft=TicketDraft(
            requester=requester, title=spec["title"], description=spec["description"],
            language=language, channel="email"))

    return make


@pytest.fixture
def worked(scenario_ticket: Any, run_tasks: Any, django_capture_on_commit_callbacks: Any) -> Any:
    """Create a scenario ticket and let the worker do everything it queues: the playbook
    (queued on commit), then the emails that queues."""

    def make(key: str, **changes: Any) -> Ticket:
        with django_capture_on_commit_callbacks(execute=True):
            ticket = scenario_ticket(key, **changes)
        for _ in range(3):
            with django_capture_on_commit_callbacks(execute=True):
                if not run_tasks():
                    break
        return Ticket.objects.get(pk=ticket.pk)

    return make


def playbook_run(ticket: Ticket) -> AutomationRun:
    return AutomationRun.objects.get(ticket=ticket, kind="playbook")


def mail_to(address: str) -> list[Any]:
    return [m for m in mail.outbox if address in m.to]


def messages(ticket: Ticket, kind: str) -> list[Message]:
    return list(Message.objects.filter(ticket=ticket, kind=kind).order_by("id"))


def replies(ticket: Ticket) -> list[Message]:
    return messages(ticket, MessageKind.REPLY)


def notes(ticket: Ticket) -> list[Message]:
    return messages(ticket, MessageKind.NOTE)


def step_names(run: AutomationRun) -> list[str]:
    return [s.name for s in run.steps.order_by("position")]
