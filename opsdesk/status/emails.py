"""The status page's emails: the confirmation link and the notice of a public update.
Each goes out once however often its job runs (recorded as the mail server takes it)."""

from functools import partial

from django.conf import settings
from django.core.mail import EmailMessage
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation

from opsdesk.core.mail import send_email
from opsdesk.core.models import SentEmail
from opsdesk.incidents.models import Component, IncidentUpdate

from .models import Subscription
from .services import SubscriptionRequest, confirmation_token, unsubscribe_token
from .wording import incident_status_label


def _url(name: str, *args: str, query: str = "") -> str:
    return settings.OPSDESK_BASE_URL + reverse(name, args=args) + query


def _sent_once(key: str) -> bool:
    _, created = SentEmail.objects.get_or_create(key=key)
    return created


def already_sent(key: str) -> bool:
    return SentEmail.objects.filter(key=key).exists()


def send_confirmation(*, request: SubscriptionRequest, key: str) -> bool:
    """Email the link that confirms a subscription; False if it was sent before."""
    components = list(Component.objects.filter(pk__in=request.component_ids)
                      .values_list("name", flat=True))
    values = {"url": _url("status:confirm", confirmation_token(request)),
              "components": components, "page_url": _url("status:page")}
    with translation.override(request.language):
        subject = render_to_string("status/email/confirm_subject.txt", values).strip()
        body = render_to_string("status/email/confirm_body.txt", values)
    email = EmailMessage(subject, body, settings.DEFAULT_FROM_EMAIL, [request.email],
                         headers={"Auto-Submitted": "auto-generated"})
    return send_email(email, record=partial(_sent_once, key))


def notice_key(update: IncidentUpdate, subscription: Subscription) -> str:
    return f"status-notice:{update.pk}:{subscription.pk}"


def send_notice(*, update: IncidentUpdate, subscription: Subscription) -> bool:
    """Email a public update to one subscriber; False if it was sent before."""
    assert update.public  # an internal note must never get here
    incident = update.incident
    unsubscribe_url = _url("status:unsubscribe", unsubscribe_token(subscription.email))
    language = subscription.language
    values = {
        "title": incident.title, "text": update.text_in(language),
        "components": [c.name for c in incident.components.all()],
        "subscribed_to": [c.name for c in subscription.components.all()],
        "page_url": _url("status:page", query=f"?lang={language}"),
        "unsubscribe_url": unsubscribe_url,
    }
    with translation.override(language):
        values["status"] = incident_status_label(update.status)
        subject = render_to_string("status/email/notice_subject.txt", values).strip()
        body = render_to_string("status/email/notice_body.txt", values)
    email = EmailMessage(subject, body, settings.DEFAULT_FROM_EMAIL, [subscription.email],
                         headers={"Auto-Submitted": "auto-generated",
                                  "List-Unsubscribe": f"<{unsubscribe_url}>"})
    return send_email(email, record=partial(_sent_once, notice_key(update, subscription)))
