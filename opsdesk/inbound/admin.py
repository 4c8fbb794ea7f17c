from django import forms
from django.contrib import admin
from django.http import HttpRequest

from .models import InboundEmail, Mailbox


@admin.register(InboundEmail)
class InboundEmailAdmin(admin.ModelAdmin):
    """Received email is a record of what came in: it is read here, never edited."""

    list_display = ["received_at", "from_address", "subject", "outcome", "ticket", "mailbox"]
    list_filter = ["outcome", "mailbox"]
    search_fields = ["message_id", "from_address", "subject"]
    raw_id_fields = ["ticket", "timeline_message"]
    exclude = ["raw"]
    readonly_fields = ["message_id", "mailbox", "size", "from_address", "from_name", "subject",
                       "received_at", "outcome", "error", "ticket", "timeline_message"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False


class MailboxForm(forms.ModelForm):
    """The password is never shown back; left empty on an edit, the stored one is kept."""

    password = forms.CharField(widget=forms.PasswordInput, required=False)

    class Meta:
        model = Mailbox
        fields = ["name", "enabled", "host", "port", "security", "username", "password",
                  "folder", "last_uid", "uid_validity"]

    def clean_password(self) -> str:
        password = self.cleaned_data.get("password") or ""
        if not password and self.instance.pk:
            return self.instance.password
        if not password:
            raise forms.ValidationError("The mailbox's password is required.")
        return password


@admin.register(Mailbox)
class MailboxAdmin(admin.ModelAdmin):
    form = MailboxForm
    list_display = ["name", "host", "port", "security", "username", "folder", "enabled",
                    "last_polled_at", "last_error"]
    list_filter = ["enabled"]
    readonly_fields = ["last_polled_at", "last_error", "claimed_until"]
