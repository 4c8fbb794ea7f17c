from typing import Any

from django import forms
from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest

from .errors import ConnectorError
from .models import ConnectorConfig


class ConnectorConfigForm(forms.ModelForm):
    """The token is write-only: never shown again, kept when left blank, removed on request."""

    token = forms.CharField(required=False, max_length=500,
                            widget=forms.PasswordInput(render_value=False),
                            help_text="Sent as “Authorization: Bearer …”. Leave blank to keep "
                                      "the current one.")
    remove_token = forms.BooleanField(required=False, help_text="Send no token from now on.")

    class Meta:
        model = ConnectorConfig
        fields = ["name", "kind", "base_url", "token", "remove_token", "timeout_seconds",
                  "retries", "enabled"]

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        if cleaned.get("remove_token"):
            cleaned["token"] = ""
        elif not cleaned.get("token"):
            cleaned["token"] = self.instance.token
        return cleaned


@admin.register(ConnectorConfig)
class ConnectorConfigAdmin(admin.ModelAdmin):
    form = ConnectorConfigForm
    list_display = ["name", "kind", "base_url", "has_token", "timeout_seconds", "retries",
                    "enabled"]
    list_filter = ["kind", "enabled"]
    search_fields = ["name", "base_url"]
    actions = ["check_action"]

    @admin.display(boolean=True, description="token")
    def has_token(self, config: ConnectorConfig) -> bool:
        return bool(config.token)

    @admin.action(description="Check that the selected connectors answer (GET /health)")
    def check_action(self, request: HttpRequest, queryset: QuerySet[ConnectorConfig]) -> None:
        for config in queryset:
            try:
                config.client().ping()
            except ConnectorError as exc:
                self.message_user(request, f"{config.name}: {exc.message}", messages.ERROR)
            else:
                self.message_user(request, f"{config.name}: answers.", messages.SUCCESS)
