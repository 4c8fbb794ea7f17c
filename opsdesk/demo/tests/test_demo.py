"""`opsdesk demo` sets up everything a new user needs, and can run again."""

from io import StringIO

from django.core.management import call_command

from opsdesk.accounts.models import User
from opsdesk.accounts.services import user_for_token
from opsdesk.tickets.models import Ticket


def _demo() -> str:
    out = StringIO()
    call_command("demo", no_serve=True, stdout=out)
    return out.getvalue()


def test_the_demo_loads_people_tickets_and_a_working_token(db):
    output = _demo()
    assert Ticket.objects.filter(cos="expedite", stage="new").exists()
    assert Ticket.objects.filter(stage="closed").count() >= 9  # week 4 + the Priority replay
    token = output.split("API token of the agent: ")[1].split()[0]
    assert user_for_token(token).email == "lan.nguyen@support.example.edu.vn"


def test_a_second_run_adds_no_tickets_and_changes_the_password(db):
    first = _demo()
    count = Ticket.objects.count()
    second = _demo()
    assert Ticket.objects.count() == count
    password = second.split("(new each run): ")[1].split()[0]
    assert password not in first
    assert User.objects.get(email="lan.nguyen@support.example.edu.vn").check_password(password)


def test_the_demo_outage_has_likely_duplicates_in_both_languages(db):
    from opsdesk.duplicates.receivers import likely_duplicates

    _demo()
    outage = Ticket.objects.get(cos="expedite", stage="new")
    reports = {row.candidate.title for row in likely_duplicates(outage)}
    assert reports >= {"Final exam submission fails for WEB102-HN",
                       "Không nộp được bài thi cuối kỳ - lớp DATA101-SG",
                       "Khong nop duoc bai thi MOBILE201-HN"}
