"""The playbook's replies: English and Vietnamese texts shipped by a migration, editable,
in the ticket's language, English when there is no text in it."""

import pytest

from opsdesk.playbooks.models import ReplyKey, ReplyTemplate
from opsdesk.playbooks.replies import render_reply

pytestmark = pytest.mark.django_db
EXTRA = {"account_email": "quang.pham@campus.example.edu.vn", "for_someone_else": False}
VIETNAMESE = {
    ReplyKey.LOGIN_REACTIVATED: "Chúng tôi đã kích hoạt lại tài khoản",
    ReplyKey.LOGIN_PASSWORD_RESET: "liên kết đặt lại mật khẩu",
    ReplyKey.LOGIN_ESCALATED: "một kỹ sư đang trực tiếp kiểm tra",
}
ENGLISH = {
    ReplyKey.LOGIN_REACTIVATED: "We have reactivated it",
    ReplyKey.LOGIN_PASSWORD_RESET: "password-reset link",
    ReplyKey.LOGIN_ESCALATED: "an engineer is now looking at it",
}


def test_every_reply_is_shipped_in_english_and_vietnamese():
    assert set(ReplyTemplate.objects.values_list("key", "language")) == {
        (key, language) for key in ReplyKey.values for language in ("en", "vi")}


@pytest.mark.parametrize("key", ReplyKey.values)
@pytest.mark.parametrize("language", ["en", "vi"])
def test_each_reply_renders_in_the_tickets_language(key, language, make_ticket):
    ticket = make_ticket(language=language)
    reply = render_reply(key=key, ticket=ticket, extra=EXTRA)
    assert reply.language == language
    assert (VIETNAMESE if language == "vi" else ENGLISH)[key] in reply.body
    assert ticket.ref in reply.subject and "{" not in reply.subject + reply.body
    assert reply.body.startswith("Chào Le Ngoc A," if language == "vi" else "Dear Le Ngoc A,")


def test_written_for_someone_else_it_names_their_account(make_ticket):
    reply = render_reply(key=ReplyKey.LOGIN_REACTIVATED, ticket=make_ticket(),
                         extra={**EXTRA, "for_someone_else": True})
    assert reply.subject.startswith("The LMS account quang.pham@campus.example.edu.vn is "
                                    "active again")
    assert "your" not in reply.body.split("\n\n")[1].lower()


def test_an_edited_text_is_used(make_ticket):
    ReplyTemplate.objects.filter(key=ReplyKey.LOGIN_REACTIVATED, language="en").update(
        body="Done, {{ requester_name }}: {{ account_email }} works again.")
    reply = render_reply(key=ReplyKey.LOGIN_REACTIVATED, ticket=make_ticket(), extra=EXTRA)
    assert reply.body == "Done, Le Ngoc A: quang.pham@campus.example.edu.vn works again."


def test_a_disabled_vietnamese_text_gives_english(make_ticket):
    ReplyTemplate.objects.filter(language="vi").update(enabled=False)
    reply = render_reply(key=ReplyKey.LOGIN_ESCALATED, ticket=make_ticket(language="vi"),
                         extra=EXTRA)
    assert reply.language == "en"


def test_missing_rows_fall_back_to_the_shipped_texts(make_ticket):
    ReplyTemplate.objects.all().delete()  # e.g. a flushed database
    reply = render_reply(key=ReplyKey.LOGIN_PASSWORD_RESET, ticket=make_ticket(language="vi"),
                         extra=EXTRA)
    assert reply.language == "vi" and VIETNAMESE[ReplyKey.LOGIN_PASSWORD_RESET] in reply.body


def test_a_text_that_does_not_compile_is_refused():
    from django.core.exceptions import ValidationError

    row = ReplyTemplate(key=ReplyKey.LOGIN_ESCALATED, language="en", subject="{% if %}",
                        body="x")
    with pytest.raises(ValidationError, match="Template error"):
        row.clean()
