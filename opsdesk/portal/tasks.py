"""Background jobs of the portal: the sign-in link email."""

from urllib.parse import urlencode

from django.conf import settings
from django.core.mail import EmailMessage
from django.template.loader import render_to_string
from django.utils import translation
from django_tasks import task

from opsdesk.accounts.models import Role, User
from opsdesk.core.mail import send_email

from .magic_link import MAX_AGE_SECONDS, link_path


@task()
def send_sign_in_link(user_id: int, next_url: str = "", language: str = "en") -> str:
    """Email a one-time sign-in link; the token is made here so it is never queued."""
    user = User.objects.filter(pk=user_id, role=Role.REQUESTER, is_active=True).first()
    if user is None:
        return "skipped"
    url = settings.OPSDESK_BASE_URL + link_path(user)
    if next_url:
        url += "?" + urlencode({"next": next_url})
    context = {"user": user, "url": url, "minutes": MAX_AGE_SECONDS // 60}
    with translation.override(language):
        subject = render_to_string("portal/email/sign_in_subject.txt", context).strip()
        body = render_to_string("portal/email/sign_in_body.txt", context)
    send_email(EmailMessage(subject, body, settings.DEFAULT_FROM_EMAIL, [user.email]))
    return "sent"
