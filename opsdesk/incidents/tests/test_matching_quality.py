"""How well new tickets are auto-linked to open incidents, on a labelled set of reports.

    .venv/bin/python -m pytest opsdesk/incidents/tests/test_matching_quality.py -s

replays the set (labelled.py) in time order as the desk lives it: each incident is opened
from its first report by hand, every other report is created through the open-ticket
workflow and matched at intake, and linked when its best score reaches the link threshold
(so what was linked shapes the profile later reports are matched against); the worker's
term counts are refreshed every 40 tickets, the exam incident is resolved and watched.
"""

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from opsdesk.duplicates.services import refresh_frequencies
from opsdesk.incidents import matching
from opsdesk.incidents.models import Incident, IncidentStatus
from opsdesk.tickets.impact import Impact
from opsdesk.tickets.models import Ticket
from opsdesk.tickets.services import NewTicket, TicketDraft
from opsdesk.workflows.tickets import open_ticket

from .labelled import WATCH, IncidentSpec, LabelledSet, Report, labelled_set

pytestmark = pytest.mark.django_db

START = datetime(2026, 3, 2, 7, 0, tzinfo=ZoneInfo("Asia/Ho_Chi_Minh"))
COUNT_EVERY = 40  # tickets between two counts of term frequencies (the worker's job)
EARLY = 10  # an incident's first reports, matched while it has few linked tickets


@dataclass
class Figures:
    linked_right: int = 0
    linked_wrong: list[tuple[Report, str]] = field(default_factory=list)
    missed: list[tuple[Report, float]] = field(default_factory=list)
    reports: int = 0  # reports of an open incident (not the ones incidents were opened from)
    unrelated: int = 0
    seen: dict[str, int] = field(default_factory=dict)  # reports so far, by incident
    early: int = 0  # the first EARLY reports of each incident
    early_linked: int = 0

    @property
    def precision(self) -> float:
        linked = self.linked_right + len(self.linked_wrong)
        return self.linked_right / linked if linked else 1.0

    @property
    def recall(self) -> float:
        return self.linked_right / self.reports if self.reports else 1.0

    @property
    def early_recall(self) -> float:
        return self.early_linked / self.early if self.early else 1.0

    def __str__(self) -> str:
        return (f"{self.reports} reports of open incidents, {self.unrelated} other tickets: "
                f"{self.linked_right} linked right, {len(self.linked_wrong)} linked wrong, "
                f"{len(self.missed)} missed — precision {self.precision:.3f}, "
                f"recall {self.recall:.3f} at the link threshold {matching.link_threshold()}; "
                f"{self.early_linked} of each incident's first {EARLY} reports linked "
                f"({self.early_recall:.3f})")


def _open_incident(spec: IncidentSpec, ticket: Ticket, agent, at: datetime) -> Incident:
    incident = Incident.objects.create(title=spec.title, summary=spec.summary,
                                       groups=list(spec.groups), created_by=agent,
                                       detected_at=at, opened_at=at, updated_at=at)
    Ticket.objects.filter(pk=ticket.pk).update(incident=incident)
    return incident


def _resolve_due(incidents: dict[str, Incident], specs: dict[str, IncidentSpec],
                 at: datetime) -> None:
    for key, incident in incidents.items():
        spec = specs[key]
        if spec.resolves_at is not None and incident.status != IncidentStatus.RESOLVED:
            resolved = START + timedelta(minutes=spec.resolves_at)
            if resolved <= at:
                incident.status, incident.resolved_at = IncidentStatus.RESOLVED, resolved
                incident.watch_until = resolved + timedelta(minutes=WATCH)
                incident.save()


def _create(report: Report, requester, agent, at: datetime) -> NewTicket:
    impact = Impact(groups=[(name, 5) for name in report.groups]) if report.groups else None
    ticket = open_ticket(actor=agent, at=at, draft=TicketDraft(
        requester=requester, title=report.title, description=report.description,
        language=report.language, tags=report.tags, impact=impact, channel="email"))
    return NewTicket(ticket=ticket, tags=list(report.tags), groups=list(report.groups))


def replay(labelled: LabelledSet, *, requester, agent) -> Figures:
    """Create the set's tickets in time order, link what matches, and count right and wrong."""
    specs = {spec.key: spec for spec in labelled.incidents}
    incidents: dict[str, Incident] = {}
    figures = Figures()
    for n, report in enumerate(labelled.reports):
        at = START + timedelta(minutes=report.at)
        _resolve_due(incidents, specs, at)
        new = _create(report, requester, agent, at)
        if report.opens and report.incident is not None:
            incidents[report.incident] = _open_incident(specs[report.incident], new.ticket,
                                                        agent, at)
            continue
        found = matching.match_new_tickets(created=[new], at=at)[new.ticket.pk]
        _count(figures, report, found, incidents)
        if found and found[0].score >= matching.link_threshold():
            Ticket.objects.filter(pk=new.ticket.pk, incident=None).update(
                incident=found[0].incident_id)
        if n % COUNT_EVERY == COUNT_EVERY - 1:
            refresh_frequencies()
    return figures


def _count(figures: Figures, report: Report, found: list[matching.IncidentMatch],
           incidents: dict[str, Incident]) -> None:
    by_id = {incident.pk: key for key, incident in incidents.items()}
    expected = report.incident if report.incident in incidents else None
    figures.reports += expected is not None
    figures.unrelated += expected is None
    early = False
    if expected is not None:
        figures.seen[expected] = figures.seen.get(expected, 0) + 1
        early = figures.seen[expected] <= EARLY
        figures.early += early
    best = found[0] if found else None
    if best is not None and best.score >= matching.link_threshold():
        if by_id[best.incident_id] == expected:
            figures.linked_right += 1
            figures.early_linked += early
        else:
            figures.linked_wrong.append((report, f"{by_id[best.incident_id]} {best.score}"))
    elif expected is not None:
        figures.missed.append((report, best.score if best else 0.0))


def test_auto_linking_at_the_default_threshold_is_precise_and_finds_most_reports(
        agent, requester):
    figures = replay(labelled_set(seed=21), requester=requester, agent=agent)
    print("\nincident matching:", figures)
    for report, linked_to in figures.linked_wrong:
        print(f"  linked wrong ({linked_to}): {report.incident} {report.title!r}")
    for report, score in figures.missed:
        print(f"  missed ({score}): {report.incident} {report.title!r} {report.description!r}")
    assert figures.reports >= 200 and figures.unrelated >= 100
    assert figures.precision >= 0.95
    assert figures.recall >= 0.9
