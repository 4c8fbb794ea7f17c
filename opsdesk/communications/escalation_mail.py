"""Escalations go to the team by email (threaded, so answers come back) and notification."""

from email.utils import make_msgid
from functools import partial

from django.conf import settings
from django.core.mail import EmailMessage
from django.db import transaction

from opsdesk.core.mail import send_email
from opsdesk.tickets.models import Escalation, MailReference

from .fanout import alert_team
from .models import TemplateKey
from .rendering import render


def team_addresses(escalation: Escalation) -> list[str]:
    """The team's own address, or its members' when it has none."""
    team = escalation.team
    if team.email:
        return [team.email]
    return list(team.members.filter(is_active=True).values_list("email", flat=True))


def send_escalation(*, escalation: Escalation) -> None:
    """Announce an escalation to its team, as made; email it once the transaction commits."""
    rendered = render(key=TemplateKey.ESCALATION, ticket=escalation.ticket,
                      escalation=escalation, at=escalation.created_at)
    alert_team(team=escalation.team, ticket=escalation.ticket, kind="escalation",
               subject=rendered.subject, body=rendered.body, at=escalation.created_at)
    from .tasks import send_escalation_email

    transaction.on_commit(lambda: send_escalation_email.enqueue(escalation_id=escalation.pk))


def email_escalation(escalation: Escalation) -> bool:
    """Email the escalation, recorded as sent (its Message-ID, by which replies thread back
    as the team's response) as the mail server takes it; False if an earlier run had."""
    addresses = team_addresses(escalation)
    if not addresses:
        return True
    rendered = render(key=TemplateKey.ESCALATION, ticket=escalation.ticket,
                      escalation=escalation)
    message_id = make_msgid(domain=settings.OPSDESK_MAIL_DOMAIN)
    return send_email(EmailMessage(subject=rendered.subject, body=rendered.body,
                                   from_email=settings.DEFAULT_FROM_EMAIL, to=addresses,
                                   headers={"Message-ID": message_id}),
                      record=partial(_record_sent, escalation, message_id))


def _record_sent(escalation: Escalation, message_id: str) -> bool:
    with transaction.atomic():
        # Locked: of two runs at once, the second sees the first's record.
        list(Escalation.objects.select_for_update().filter(pk=escalation.pk).values("pk"))
        if escalation.mail_references.filter(outgoing=True).exists():
            return False
        MailReference.objects.create(header=message_id, ticket=escalation.ticket,
                                     escalation=escalation)
    return True
