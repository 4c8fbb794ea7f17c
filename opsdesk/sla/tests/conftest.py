"""The desk's clock for SLA tests: frozen at a known local time and moved by hand."""

import pytest
import time_machine

from opsdesk.sla.tests.support import USERS, hcm
from opsdesk.tickets.services import Impact


@pytest.fixture
def desk_time():
    """Time stands still at Wednesday 10:00 until the test moves it."""
    with time_machine.travel(hcm(10, 0), tick=False) as traveller:
        yield traveller


@pytest.fixture
def ticket_of_class(make_ticket, desk_time):
    """A new ticket whose impact puts it in the class named, received now unless told."""

    def make(cos: str, **fields):
        ticket = make_ticket(impact=Impact(affected_users=USERS[cos]), **fields)
        assert ticket.cos == cos
        return ticket

    return make
