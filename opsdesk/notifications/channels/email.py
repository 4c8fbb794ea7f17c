"""Email: the message sent with Django's email framework to the channel's address."""

import smtplib

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.mail import EmailMessage
from django.core.validators import validate_email

from opsdesk.core.mail import send_email

from ..models import Channel
from .base import ChannelMessage, TransportError


def send(channel: Channel, message: ChannelMessage) -> None:
    """Send one email; a refused address or a 5xx answer is permanent, the rest retried.

    Errors name the SMTP code only: servers quote the address back, which is personal data.
    """
    try:
        validate_email(channel.target)
    except ValidationError:
        raise TransportError("the target is not an email address", permanent=True) from None
    subject = " ".join(message.title.split())  # a header: no line breaks
    body = message.body
    if message.ticket is not None:
        body = f"{message.ticket['ref']} {message.ticket['title']}\n\n{body}"
    try:
        send_email(EmailMessage(subject, body, settings.DEFAULT_FROM_EMAIL, [channel.target]))
    except smtplib.SMTPRecipientsRefused as exc:
        codes = [code for code, _ in exc.recipients.values()]
        raise TransportError("the mail server refused the address",
                             permanent=all(500 <= code < 600 for code in codes)) from None
    except smtplib.SMTPResponseException as exc:
        raise TransportError(f"the mail server answered {exc.smtp_code}",
                             permanent=500 <= exc.smtp_code < 600) from None
    except OSError as exc:  # SMTPException is an OSError, as are refused connections
        raise TransportError(f"the mail server could not be reached: {type(exc).__name__}"
                             ) from None
