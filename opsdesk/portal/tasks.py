"""Background jobs of the portal: the sign-in link email."""

from functools import partial
from urllib.parse import urlencode

from django.conf import settings
from django.core.mail import EmailMessage
from django.template.loader import render_to_string
from django.utils import translation
from django_tasks import TaskContext, task

from opsdesk.accounts.models import Role, User
from opsdesk.core.mail import send_email
from opsdesk.core.models import SentEmail

from .magic_link import MAX_AGE_SECONDS, link_path


@task(takes_context=True)
def send_sign_in_link(context: TaskContext, user_id: int, next_url: str = "",
                      language: str = "en") -> str:
    """Email a one-time sign-in link; the token is made here so it is never queued. Sent
    once however often the job runs (recorded by the job's id as the mail server takes it)."""
    user = User.objects.filter(pk=user_id, role=Role.REQUESTER, is_active=True).first()
    if user is None:
        return "skipped"
    key = f"sign-in-link:{context.task_result.id}"
    if SentEmail.objects.filter(key=key).exists():
        return "sent already"  # by an earlier run of this job, its worker killed after
    url = settings.OPSDESK_BASE_URL + link_path(user)
    if next_url:
        url += "?" + urlencode({"next": next_url})
    values = {"user": user, "url": url, "minutes": MAX_AGE_SECONDS // 60}
    with translation.override(language):
        subject = render_to_string("portal/email/sign_in_subject.txt", values).strip()
        body = render_to_string("portal/email/sign_in_body.txt", values)
    sent = send_email(EmailMessage(subject, body, settings.DEFAULT_FROM_EMAIL, [user.email]),
                      record=partial(_record_sent, key))
    return "sent" if sent else "sent already"


def _record_sent(key: str) -> bool:
    _, created = SentEmail.objects.get_or_create(key=key)
    return created
