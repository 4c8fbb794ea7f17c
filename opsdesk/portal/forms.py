"""Portal forms: Django validates, and each error is shown next to its field."""

from typing import Any

from django import forms
from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext_lazy as _

MAX_PEOPLE = 10_000_000
MAX_FILES = 10
DEFAULT_MAX_ATTACHMENT_BYTES = 10 * 1024 * 1024


def max_attachment_bytes() -> int:
    """The largest file a requester may attach (OPSDESK_MAX_ATTACHMENT_BYTES, else 10 MB)."""
    value = getattr(settings, "OPSDESK_MAX_ATTACHMENT_BYTES", None)
    return int(value) if value is not None else DEFAULT_MAX_ATTACHMENT_BYTES


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class AttachmentsField(forms.FileField):
    """Any number of files (up to MAX_FILES), each within the size limit."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("widget", MultipleFileInput())
        kwargs.setdefault("required", False)
        super().__init__(**kwargs)

    def clean(self, data: Any, initial: Any = None) -> list[UploadedFile]:
        items = data if isinstance(data, list | tuple) else [data] if data else []
        files = [super(AttachmentsField, self).clean(item, initial) for item in items]
        if len(files) > MAX_FILES:
            raise forms.ValidationError(_("Attach at most %(n)s files."), params={"n": MAX_FILES})
        limit = max_attachment_bytes()
        for upload in files:
            if upload.size is not None and upload.size > limit:
                raise forms.ValidationError(
                    _("“%(name)s” is %(size)s; each file may be at most %(limit)s."),
                    params={"name": upload.name, "size": filesizeformat(upload.size),
                            "limit": filesizeformat(limit)})
        return files


class SignInForm(forms.Form):
    email = forms.EmailField(label=_("Your email address"), max_length=254,
                             widget=forms.EmailInput(attrs={"autocomplete": "email"}))


class TicketForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=300,
                            help_text=_("In a few words: what does not work?"),
                            error_messages={"required": _("Give your ticket a title.")})
    description = forms.CharField(label=_("Description"), max_length=100_000,
                                  widget=forms.Textarea(attrs={"rows": 7}),
                                  help_text=_("What you did, what you expected, what happened "
                                              "instead, and any error message."),
                                  error_messages={"required": _("Describe the problem.")})
    affected_users = forms.IntegerField(label=_("How many people are affected?"), min_value=1,
                                        max_value=MAX_PEOPLE, initial=1,
                                        error_messages={
                                            "required": _("Say how many people are affected."),
                                            "min_value": _("At least one person (you)."),
                                            "invalid": _("Write a whole number, like 20."),
                                        })
    group = forms.CharField(label=_("Which class or group (optional)"), required=False,
                            max_length=100, help_text=_("For example WEB102-HN."))
    attachments = AttachmentsField(label=_("Attachments (optional)"))

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["attachments"].help_text = _(
            "Screenshots or documents; each file at most %(limit)s."
        ) % {"limit": filesizeformat(max_attachment_bytes())}


class ReplyForm(forms.Form):
    body = forms.CharField(label=_("Your reply"), max_length=100_000,
                           widget=forms.Textarea(attrs={"rows": 5}),
                           error_messages={"required": _("Write your reply first.")})
    attachments = AttachmentsField(label=_("Attachments (optional)"))


class RatingForm(forms.Form):
    score = forms.TypedChoiceField(label=_("Your rating"), coerce=int,
                                   choices=[(n, str(n)) for n in range(5, 0, -1)],
                                   widget=forms.RadioSelect,
                                   error_messages={"required": _("Choose a rating from 1 to 5."),
                                                   "invalid_choice": _("Choose a rating from 1 "
                                                                       "to 5.")})
    comment = forms.CharField(label=_("Comment (optional)"), required=False, max_length=5000,
                              widget=forms.Textarea(attrs={"rows": 3}))
