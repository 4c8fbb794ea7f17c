"""Replies that answer an incident's linked requesters: its update, or its resolution,
each in the requester's language."""

from collections.abc import Sequence
from datetime import datetime

from django.conf import settings

from opsdesk.incidents.models import Incident, IncidentStatus, IncidentUpdate
from opsdesk.tickets.models import Ticket
from opsdesk.tickets.services import MessageDraft

from .models import TemplateKey
from .rendering import context_for, fill_template, template_for

STATUS_LABELS: dict[str, dict[str, str]] = {
    "en": {s.value: str(s.label).lower() for s in IncidentStatus},
    "vi": {IncidentStatus.INVESTIGATING: "đang điều tra", IncidentStatus.IDENTIFIED:
           "đã xác định nguyên nhân", IncidentStatus.MONITORING: "đang theo dõi sau khắc phục",
           IncidentStatus.RESOLVED: "đã khắc phục"},
}
NO_UPDATE_YET: dict[str, str] = {
    "en": "We are investigating and will tell you as soon as we know more.",
    "vi": "Chúng tôi đang kiểm tra và sẽ báo anh/chị ngay khi có thêm thông tin.",
}


def incident_reply_drafts(*, tickets: Sequence[Ticket], incident: Incident,
                          update: IncidentUpdate | None, key: str = TemplateKey.INCIDENT_UPDATE,
                          at: datetime | None = None) -> list[MessageDraft]:
    """One reply per ticket telling its requester the incident's `update` (the latest
    public one; none yet: that it is being looked at), rendered in the ticket's language."""
    drafts = []
    for ticket in tickets:
        template = template_for(key=key, language=ticket.language, cos=ticket.cos)
        language = template.language if template.language in STATUS_LABELS else "en"
        context = context_for(ticket, language=language, at=at)
        context.update({
            "incident_ref": incident.ref,
            "incident_title": incident.title,
            "incident_status": STATUS_LABELS[language][update.status if update else
                                                       incident.status],
            "incident_update": update.text_in(language) if update else NO_UPDATE_YET[language],
            "status_page_link": f"{settings.OPSDESK_BASE_URL}/status/",
        })
        rendered = fill_template(template, context)
        drafts.append(MessageDraft(ticket=ticket, body=rendered.body, template=key,
                                   subject=rendered.subject))
    return drafts
