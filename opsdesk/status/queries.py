"""What the status page tells the public: components, active incidents with their public
updates, 90 days of history. Only these fields ever leave here — never an internal note,
a summary, a root cause or anything about a requester or a ticket.

The snapshot is built in a few queries and kept in the cache for CACHE_SECONDS, so a
burst of LMS pages asking for the banner costs one build every CACHE_SECONDS."""

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from django.core.cache import cache
from django.db.models import Prefetch, Q
from django.utils import timezone

from opsdesk.incidents.models import (
    ACTIVE_STATUSES,
    Component,
    Incident,
    IncidentStatus,
    IncidentUpdate,
)
from opsdesk.tickets.models import Cos

CACHE_KEY = "status:snapshot"
CACHE_SECONDS = 15
HISTORY_DAYS = 90

OPERATIONAL, DEGRADED, MAJOR_OUTAGE = "operational", "degraded", "major_outage"
_SEVERITY = {OPERATIONAL: 0, DEGRADED: 1, MAJOR_OUTAGE: 2}


@dataclass(frozen=True)
class PublicUpdate:
    status: str
    body: str
    body_vi: str
    at: datetime

    def text_in(self, language: str) -> str:
        """The update in this language, or as written."""
        return self.body_vi if language == "vi" and self.body_vi else self.body


@dataclass(frozen=True)
class PublicIncident:
    id: int
    title: str
    status: str
    cos: str
    components: tuple[str, ...]
    groups: tuple[str, ...]
    started_at: datetime
    resolved_at: datetime | None
    updates: tuple[PublicUpdate, ...]  # newest first

    @property
    def severity(self) -> str:
        """What it does to the components it names (see docs/status-page.md)."""
        fixing = self.status in (IncidentStatus.INVESTIGATING, IncidentStatus.IDENTIFIED)
        return MAJOR_OUTAGE if self.cos == Cos.EXPEDITE and fixing else DEGRADED

    @property
    def latest_update(self) -> PublicUpdate | None:
        return self.updates[0] if self.updates else None

    def concerns_group(self, group: str) -> bool:
        """Whether the banner of this group shows it: a named group's, or every group's
        when it names none and is Expedite (system-wide)."""
        if self.groups:
            return group.strip().casefold() in {g.strip().casefold() for g in self.groups}
        return self.cos == Cos.EXPEDITE


@dataclass(frozen=True)
class Day:
    day: date
    status: str
    incidents: tuple[str, ...]  # titles


@dataclass(frozen=True)
class ComponentStatus:
    name: str
    description: str
    status: str
    days: tuple[Day, ...]  # the last HISTORY_DAYS days, oldest first


@dataclass(frozen=True)
class StatusSnapshot:
    components: tuple[ComponentStatus, ...]
    incidents: tuple[PublicIncident, ...]  # active, newest first
    history: tuple[PublicIncident, ...]  # resolved in the last HISTORY_DAYS, newest first
    updated_at: datetime

    @property
    def status(self) -> str:
        """The worst status of a component, or of an active incident naming none."""
        return _worst([c.status for c in self.components]
                      + [i.severity for i in self.incidents if not i.components])

    def banner_for(self, group: str) -> list[PublicIncident]:
        """The active incidents the banner of this group shows."""
        return [incident for incident in self.incidents if incident.concerns_group(group)]


def status_snapshot() -> StatusSnapshot:
    """The status page's content, at most CACHE_SECONDS old."""
    snapshot = cache.get(CACHE_KEY)
    if not isinstance(snapshot, StatusSnapshot):
        snapshot = build_snapshot()
        cache.set(CACHE_KEY, snapshot, CACHE_SECONDS)
    return snapshot


def build_snapshot(now: datetime | None = None) -> StatusSnapshot:
    """Read the status page's content from the database."""
    now = now or timezone.now()
    today = timezone.localdate(now)
    first_day = today - timedelta(days=HISTORY_DAYS - 1)
    since = timezone.make_aware(datetime.combine(first_day, time.min))
    incidents = [_public(incident) for incident in _incidents(since)]
    active = tuple(i for i in incidents if i.status in ACTIVE_STATUSES)
    history = tuple(sorted((i for i in incidents if i.status not in ACTIVE_STATUSES),
                           key=lambda i: (i.resolved_at or now, i.id), reverse=True))
    components = tuple(
        ComponentStatus(
            name=component.name, description=component.description,
            status=_worst([i.severity for i in active if component.name in i.components]),
            days=_days(component.name, incidents, first_day, now))
        for component in Component.objects.only("name", "description", "position"))
    return StatusSnapshot(components=components, incidents=active, history=history,
                          updated_at=now)


def _incidents(since: datetime) -> list[Incident]:
    public_updates = IncidentUpdate.objects.filter(public=True) \
        .only("incident_id", "status", "body", "body_vi", "created_at") \
        .order_by("-created_at", "-id")
    return list(
        Incident.objects.filter(Q(status__in=ACTIVE_STATUSES)
                                | Q(status=IncidentStatus.RESOLVED, resolved_at__gte=since))
        .only("title", "status", "cos", "groups", "detected_at", "opened_at", "resolved_at")
        .prefetch_related(Prefetch("components", Component.objects.only("name")),
                          Prefetch("updates", public_updates, to_attr="public_updates"))
        .order_by("-detected_at", "-id"))


def _public(incident: Incident) -> PublicIncident:
    """The public part of an incident."""
    updates = getattr(incident, "public_updates")  # noqa: B009 (set by the prefetch)
    return PublicIncident(
        id=incident.pk, title=incident.title, status=incident.status, cos=incident.cos,
        components=tuple(c.name for c in incident.components.all()),
        groups=tuple(str(g) for g in (incident.groups or []) if str(g).strip()),
        started_at=min(incident.detected_at, incident.opened_at),
        resolved_at=incident.resolved_at,
        updates=tuple(PublicUpdate(status=u.status, body=u.body, body_vi=u.body_vi,
                                   at=u.created_at) for u in updates))


def _worst(levels: Iterable[str]) -> str:
    return max(levels, key=_SEVERITY.__getitem__, default=OPERATIONAL)


def _days(component: str, incidents: list[PublicIncident], first_day: date,
          now: datetime) -> tuple[Day, ...]:
    """Each day's worst incident on this component; a resolved incident counts as degraded
    or, if Expedite, as an outage on every day it lasted."""
    levels = [OPERATIONAL] * HISTORY_DAYS
    titles: list[list[str]] = [[] for _ in range(HISTORY_DAYS)]
    for incident in incidents:
        if component not in incident.components:
            continue
        level = MAJOR_OUTAGE if incident.cos == Cos.EXPEDITE else DEGRADED
        start = (timezone.localdate(incident.started_at) - first_day).days
        end = (timezone.localdate(incident.resolved_at or now) - first_day).days
        for n in range(max(start, 0), min(end, HISTORY_DAYS - 1) + 1):
            levels[n] = _worst((levels[n], level))
            titles[n].append(incident.title)
    return tuple(Day(day=first_day + timedelta(days=n), status=levels[n],
                     incidents=tuple(titles[n])) for n in range(HISTORY_DAYS))
