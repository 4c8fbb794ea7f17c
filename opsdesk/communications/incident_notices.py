"""What the desk is told about an incident itself: that it became Expedite, that a fixed
one seems back, that a follow-up is due."""

from datetime import datetime

from django.conf import settings

from opsdesk.accounts.models import Role, User
from opsdesk.incidents.models import FollowUp, Incident
from opsdesk.notifications.services import Notices, channels_for_team, notify
from opsdesk.tickets.models import Cos, Ticket

from .fanout import fanout_policies


def incident_link(incident: Incident) -> str:
    return f"{settings.OPSDESK_BASE_URL}/desk/incidents/{incident.pk}/"


def announce_expedite(*, incident: Incident, at: datetime) -> list[str]:
    """The Expedite fan-out of an incident: its managers and the team the Expedite policy
    alerts hear of it at once; returns who was told."""
    subject = f"[{incident.ref}] Expedite incident: {incident.title}"
    body = (f"{incident.ref} {incident.title} is Expedite: {incident.cos_rationale}.\n"
            f"{incident.affected_users} users affected so far; status {incident.status}.\n"
            f"{incident_link(incident)}")
    notices, told = Notices(at=at), []
    managers = list(User.objects.filter(role=Role.MANAGER, is_active=True))
    if managers:
        notices.notify(recipients=managers, ticket=None, kind="manager_notice",
                       subject=subject, body=body)
        told.append("manager")
    policy = fanout_policies().get(Cos.EXPEDITE)
    team = policy.alert_team if policy is not None else None
    if team is not None:
        notices.to_channels(channels=channels_for_team(team), ticket=None, kind="dev_alert",
                            title=subject, body=body)
        notices.notify(recipients=team.members.filter(is_active=True), ticket=None,
                       kind="dev_alert", subject=subject, body=body)
        told.append(team.name)
    notices.record()
    return told


def flag_return(*, incident: Incident, ticket: Ticket, at: datetime) -> None:
    """Tell the incident's owner (or the managers) that a new ticket looks like it, after
    it was resolved."""
    people = [incident.owner] if incident.owner else list(
        User.objects.filter(role=Role.MANAGER, is_active=True))
    notify(
        recipients=people, ticket=ticket, kind="incident_flag", at=at,
        subject=f"[{incident.ref}] back? {ticket.ref} looks like it",
        body=f"{ticket.ref} {ticket.title} looks like {incident.ref} {incident.title}, "
        f"resolved {incident.resolved_at:%Y-%m-%d %H:%M}.\n{incident_link(incident)}")


def remind_follow_up(*, follow_up: FollowUp, at: datetime) -> None:
    """Tell the incident's owner (or the managers) that a follow-up is due."""
    incident = follow_up.incident
    people = [incident.owner] if incident.owner else list(
        User.objects.filter(role=Role.MANAGER, is_active=True))
    notices = Notices(at=at)
    notices.notify(recipients=people, ticket=None, kind="incident_follow_up",
                   subject=f"[{incident.ref}] due: {follow_up.title}",
                   body=f"{follow_up.title} — {incident.ref} {incident.title}.\n"
                   f"{incident_link(incident)}")
    notices.record()
