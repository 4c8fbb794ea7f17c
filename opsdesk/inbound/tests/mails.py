"""Email as it arrives: build raw RFC 822 messages for the tests."""

import base64
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid
from typing import Any

from django.utils import timezone

from opsdesk.tickets.models import Escalation, MailReference, Ticket

REQUESTER = "Le Ngoc A <ngoc.a.le@campus.example.edu.vn>"
SUPPORT = "support@opsdesk.example.edu.vn"


def mail(
    *,
    from_: str | None = REQUESTER,
    subject: str = "Cannot open the WEB102 exam",
    body: str = "Hello, the exam page shows an error for our class.\n",
    message_id: str | None = None,
    in_reply_to: str | None = None,
    references: str | None = None,
    headers: dict[str, str] | None = None,
    attachments: list[tuple[str, str, bytes]] = (),  # type: ignore[assignment]
    html: str | None = None,
) -> bytes:
    """A message as a mail client would send it (attachments: name, MIME type, bytes)."""
    message = EmailMessage()
    if from_ is not None:
        message["From"] = from_
    message["To"] = SUPPORT
    message["Subject"] = subject
    message["Date"] = format_datetime(timezone.now())
    message["Message-ID"] = message_id or make_msgid(domain="campus.example.edu.vn")
    if in_reply_to:
        message["In-Reply-To"] = in_reply_to
    if references:
        message["References"] = references
    for name, value in (headers or {}).items():
        message[name] = value
    message.set_content(body)
    if html is not None:
        message.add_alternative(html, subtype="html")
    for filename, content_type, data in attachments:
        maintype, subtype = content_type.split("/")
        message.add_attachment(data, maintype=maintype, subtype=subtype, filename=filename)
    return message.as_bytes()


def sent_reference(ticket: Ticket, escalation: Escalation | None = None, **kw: Any) -> str:
    """A Message-ID opsdesk sent about this ticket (as outgoing email registers it)."""
    header = make_msgid(domain="opsdesk.localhost")
    MailReference.objects.create(header=header, ticket=ticket, escalation=escalation,
                                 outgoing=True, **kw)
    return header


def dsn(*, original_message_id: str, recipient: str = "ngoc.a.le@campus.example.edu.vn") -> bytes:
    """A delivery status notification (RFC 3464) as Postfix sends it for a failed delivery."""
    return f"""\
Return-Path: <>
Received: by mx.opsdesk.example.edu.vn (Postfix) id 4B1C2; Mon,  3 Jun 2024 10:00:05 +0700
Date: Mon,  3 Jun 2024 10:00:05 +0700 (ICT)
From: MAILER-DAEMON@mx.opsdesk.example.edu.vn (Mail Delivery System)
Subject: Undelivered Mail Returned to Sender
To: {SUPPORT}
Auto-Submitted: auto-replied
MIME-Version: 1.0
Content-Type: multipart/report; report-type=delivery-status;
 boundary="4B1C2.1717383605/mx.opsdesk.example.edu.vn"
Message-Id: <20240603030005.4B1C2@mx.opsdesk.example.edu.vn>

This is a MIME-encapsulated message.

--4B1C2.1717383605/mx.opsdesk.example.edu.vn
Content-Description: Notification
Content-Type: text/plain; charset=us-ascii

This is the mail system at host mx.opsdesk.example.edu.vn.

I'm sorry to have to inform you that your message could not
be delivered to one or more recipients.

<{recipient}>: host campus.example.edu.vn said: 550 5.1.1 User unknown

--4B1C2.1717383605/mx.opsdesk.example.edu.vn
Content-Description: Delivery report
Content-Type: message/delivery-status

Reporting-MTA: dns; mx.opsdesk.example.edu.vn
Arrival-Date: Mon,  3 Jun 2024 10:00:04 +0700 (ICT)

Final-Recipient: rfc822; {recipient}
Action: failed
Status: 5.1.1
Diagnostic-Code: smtp; 550 5.1.1 User unknown

--4B1C2.1717383605/mx.opsdesk.example.edu.vn
Content-Description: Undelivered Message Headers
Content-Type: text/rfc822-headers

From: opsdesk <{SUPPORT}>
To: {recipient}
Subject: [#00001] We received your request
Message-ID: {original_message_id}

--4B1C2.1717383605/mx.opsdesk.example.edu.vn--
""".replace("\n", "\r\n").encode()


def with_large_attachment(*, body: str, filename: str, size: int,
                          small: tuple[str, bytes] = ("server.log", b"ERROR 500")) -> bytes:
    """A mail with a small text attachment and a large binary one, built quickly by hand."""
    boundary = "==opsdesk-test-boundary=="
    large = base64.encodebytes(bytes(size)).replace(b"\n", b"\r\n")
    head = (f"From: {REQUESTER}\r\nTo: {SUPPORT}\r\nSubject: Logs\r\n"
            f"Message-ID: {make_msgid(domain='campus.example.edu.vn')}\r\nMIME-Version: 1.0\r\n"
            f'Content-Type: multipart/mixed; boundary="{boundary}"\r\n\r\n'
            f"--{boundary}\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n{body}\r\n"
            f"--{boundary}\r\nContent-Type: text/plain\r\n"
            f'Content-Disposition: attachment; filename="{small[0]}"\r\n\r\n').encode()
    return (head + small[1] + f"\r\n--{boundary}\r\nContent-Type: application/octet-stream\r\n"
            f'Content-Disposition: attachment; filename="{filename}"\r\n'
            f"Content-Transfer-Encoding: base64\r\n\r\n".encode()
            + large + f"--{boundary}--\r\n".encode())
