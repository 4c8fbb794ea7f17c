"""`opsdesk demo` sets up everything a new user needs, and can run again."""

import os
import signal
import subprocess
import sys
import time
from io import StringIO

import pytest
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
    from opsdesk.duplicates.queries import likely_duplicates

    _demo()
    outage = Ticket.objects.get(cos="expedite", stage="new")
    reports = {row.candidate.title for row in likely_duplicates(outage)}
    assert reports >= {"Final exam submission fails for WEB102-HN",
                       "Không nộp được bài thi cuối kỳ - lớp DATA101-SG",
                       "Khong nop duoc bai thi MOBILE201-HN"}


SLEEPER = ("import os, sys, time; open(sys.argv[1], 'w').write(str(os.getpid())); "
           "time.sleep(60)")
RUN_TOGETHER = ("import os, sys, django; os.environ.setdefault('DJANGO_SETTINGS_MODULE', "
                "'opsdesk.settings'); django.setup(); "
                "from opsdesk.demo.management.commands.demo import run_together; "
                "run_together([[sys.executable, '-c', sys.argv[1], p] for p in sys.argv[2:]])")


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


@pytest.mark.parametrize("stop", ["SIGTERM", "SIGHUP"])
def test_stopping_the_demo_stops_its_server_worker_and_fakes(stop, tmp_path):
    """A service manager's SIGTERM or a closed terminal's SIGHUP ended the demo alone: its
    processes ran on, holding their ports for the next `make demo`."""
    pid_files = [tmp_path / f"{n}.pid" for n in range(2)]
    demo = subprocess.Popen([sys.executable, "-c", RUN_TOGETHER, SLEEPER,  # noqa: S603
                             *map(str, pid_files)])
    try:
        deadline = time.monotonic() + 30
        while not all(f.exists() and f.read_text() for f in pid_files):
            assert time.monotonic() < deadline, "the demo's processes did not start"
            time.sleep(0.05)
        started = [int(f.read_text()) for f in pid_files]
        assert all(_alive(pid) for pid in started)

        demo.send_signal(getattr(signal, stop))
        demo.wait(timeout=20)
        assert [_alive(pid) for pid in started] == [False, False]
    finally:
        demo.kill()
        for f in pid_files:
            if f.exists() and f.read_text() and _alive(int(f.read_text())):
                os.kill(int(f.read_text()), signal.SIGKILL)


def test_the_demo_has_an_alerted_outage_its_reports_linked_and_a_past_postmortem(db, client):
    from opsdesk.incidents.models import Incident, IncidentSource

    _demo()
    live = Incident.objects.get(source=IncidentSource.ALERT)
    assert live.is_active and live.cos == "expedite"
    linked = set(live.tickets.values_list("title", flat=True))
    assert len(linked) >= 4  # the Expedite ticket and the reports of it
    assert all("login" not in title.lower() for title in linked)
    banner = client.get("/api/v1/status/banner", {"group": "WEB102-HN"}).json()
    assert [i["title"] for i in banner["incidents"]] == [live.title]
    assert client.get("/api/v1/status/banner", {"group": "BIZ301-HN"}).json()["incidents"] == []
    past = Incident.objects.get(status="resolved")
    from opsdesk.postmortems.queries import postmortem_for, spoken

    moments = postmortem_for(past).moments
    assert (spoken(moments.duration), spoken(moments.time_to_identify)) == (
        "2 h 15 min", "1 h 15 min")
