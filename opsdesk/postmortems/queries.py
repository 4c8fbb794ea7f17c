"""Reading a postmortem: the incident's record, its timings and reach, the desk's words
over the incident's own, and its action items — one PostmortemView for every format."""

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.db.models import QuerySet
from django.utils import timezone

from opsdesk.incidents.models import Incident, IncidentSource, IncidentStatus
from opsdesk.reports.render import duration
from opsdesk.tickets.models import Cos, ImpactGroup, MessageKind, Ticket

from .models import ActionItem, Postmortem, TimelineEdit
from .timeline import Step, recorded_steps, with_edits

# The templates of the replies an incident sends to every linked requester.
INCIDENT_REPLY_TEMPLATES = ("incident_update", "incident_resolution")
DETECTION_KINDS = ("detected", "alert_fired", "ticket", "opened")


@dataclass(frozen=True)
class Moments:
    """When the incident was detected (first report or alert), opened, identified and
    resolved, from the incident and its recorded steps."""

    detected: datetime
    opened: datetime
    identified: datetime | None
    resolved: datetime | None

    def between(self, start: datetime | None, end: datetime | None) -> timedelta | None:
        return end - start if start is not None and end is not None else None

    @property
    def duration(self) -> timedelta | None:
        return self.between(self.detected, self.resolved)

    @property
    def time_to_detect(self) -> timedelta | None:
        return self.between(self.detected, self.opened)

    @property
    def time_to_identify(self) -> timedelta | None:
        return self.between(self.detected, self.identified)

    @property
    def time_to_resolve(self) -> timedelta | None:
        return self.between(self.opened, self.resolved)


def spoken(span: timedelta | None) -> str:
    """A span as people read it ("2 h 15 min"), or "—" if it has not ended."""
    return duration(span.total_seconds() if span is not None else None)


@dataclass(frozen=True)
class Impact:
    affected_users: int
    groups: list[str]
    components: list[str]
    tickets: int
    duplicates_answered: int


@dataclass(frozen=True)
class PostmortemView:
    """Everything a postmortem says, whatever the format."""

    incident: Incident
    summary: str
    trigger: str
    detection: str
    root_cause: str
    resolution: str
    lessons: str
    moments: Moments
    impact: Impact
    timeline: list[Step]
    actions: list[ActionItem]
    generated_at: datetime = field(default_factory=timezone.now)

    @property
    def corrective(self) -> list[ActionItem]:
        return [a for a in self.actions if a.kind == "corrective"]

    @property
    def preventive(self) -> list[ActionItem]:
        return [a for a in self.actions if a.kind == "preventive"]

    @property
    def timings(self) -> list[tuple[str, str, timedelta | None]]:
        """(key, label, span) of the duration and the times to detect, identify, resolve."""
        m = self.moments
        return [("duration", "Duration", m.duration),
                ("time_to_detect", "Time to detect", m.time_to_detect),
                ("time_to_identify", "Time to identify", m.time_to_identify),
                ("time_to_resolve", "Time to resolve", m.time_to_resolve)]


def postmortem_for(incident: Incident) -> PostmortemView:
    """The postmortem of an incident as it reads now (nothing is stored by reading it)."""
    written = Postmortem.objects.filter(incident=incident).first() or Postmortem(
        incident=incident)
    edits = TimelineEdit.objects.filter(postmortem=written) if written.pk else []
    timeline = with_edits(recorded_steps(incident), edits)
    moments = moments_of(incident, timeline)
    words = _words(incident, written, timeline, moments)
    return PostmortemView(
        incident=incident, summary=words["summary"], trigger=words["trigger"],
        detection=words["detection"], root_cause=words["root_cause"],
        resolution=words["resolution"], lessons=words["lessons"], moments=moments,
        impact=impact_of(incident), timeline=timeline, actions=list(action_items_of(incident)))


def action_items_of(incident: Incident) -> QuerySet[ActionItem]:
    return ActionItem.objects.filter(incident=incident).select_related("owner")


def moments_of(incident: Incident, timeline: list[Step]) -> Moments:
    """The incident's moments; its steps fill in what it did not note (or noted later)."""
    detected = min([incident.detected_at, *_times(timeline, DETECTION_KINDS)])
    opened = min(_times(timeline, ("opened",)), default=incident.opened_at)
    identified = incident.identified_at or min(
        _times(timeline, ("identified",), IncidentStatus.IDENTIFIED), default=None)
    resolved = incident.resolved_at or max(
        _times(timeline, ("resolved",), IncidentStatus.RESOLVED), default=None)
    return Moments(detected=detected, opened=max(opened, detected), identified=identified,
                   resolved=resolved)


def _times(timeline: list[Step], kinds: tuple[str, ...], status: str = "") -> list[datetime]:
    """When the steps of these kinds (or moving the incident to `status`) happened."""
    return [s.at for s in timeline if not s.misleading
            and (s.kind in kinds or (status and s.status == status))]


def impact_of(incident: Incident) -> Impact:
    """Who the incident reached: users, groups and components, tickets, and how many of
    those tickets were answered by the incident's own replies."""
    tickets = Ticket.objects.filter(incident=incident)
    groups = set(incident.groups or []) | set(
        ImpactGroup.objects.filter(ticket__incident=incident).values_list("name", flat=True))
    answered = tickets.filter(messages__kind=MessageKind.REPLY,
                              messages__template__in=INCIDENT_REPLY_TEMPLATES).distinct()
    return Impact(affected_users=incident.affected_users, groups=sorted(groups),
                  components=[c.name for c in incident.components.all()],
                  tickets=tickets.count(), duplicates_answered=answered.count())


def _words(incident: Incident, written: Postmortem, timeline: list[Step],
           moments: Moments) -> dict[str, str]:
    """Each written part: the desk's words, else the incident's, else its steps'."""
    def said(kind: str) -> str:
        return next((s.body for s in timeline if s.kind == kind and not s.misleading), "")

    lessons = "\n".join(dict.fromkeys(
        t.strip() for t in Ticket.objects.filter(incident=incident)
        .exclude(lessons="").values_list("lessons", flat=True)))
    return {
        "summary": written.summary or incident.summary or _summary(incident, moments),
        "trigger": written.trigger or said("trigger"),
        "detection": written.detection or _detection(incident, moments, timeline),
        "root_cause": written.root_cause or incident.root_cause or said("identified"),
        "resolution": written.resolution or incident.resolution or said("resolved"),
        "lessons": written.lessons or lessons,
    }


def _detection(incident: Incident, moments: Moments, timeline: list[Step]) -> str:
    """How the incident was opened, and the first sign of it (an alert, a report) if any
    came before."""
    how = {IncidentSource.ALERT: "By a monitoring alert", IncidentSource.TICKET:
           "From a requester's ticket", IncidentSource.MANUAL: "Opened by the desk"}
    opening = how.get(IncidentSource(incident.source), "Opened by the desk")
    first = next((s for s in timeline if s.kind in DETECTION_KINDS and s.kind != "opened"
                  and s.at <= moments.opened and s.body), None)
    return f"{opening}: {first.body}" if first is not None else f"{opening}."


def _summary(incident: Incident, moments: Moments) -> str:
    cos = str(dict(Cos.choices).get(incident.cos, incident.cos))
    reach = f", affecting {incident.affected_users} users" if incident.affected_users else ""
    if moments.resolved is not None:
        outcome = f"resolved after {spoken(moments.duration)}"
    else:
        outcome = f"still {IncidentStatus(incident.status).label.lower()}"
    return f"{incident.title}. {cos} incident{reach}, {outcome}."
