from django.contrib import admin
from django.http import HttpRequest

from .models import Alert, AlertSource


@admin.register(AlertSource)
class AlertSourceAdmin(admin.ModelAdmin):
    """A source is created by `opsdesk alerts create-source` (which shows its secret once);
    here it can be renamed or turned off. Its secret's hash is never shown."""

    list_display = ["name", "kind", "enabled", "created_at"]
    list_filter = ["kind", "enabled"]
    search_fields = ["name"]
    fields = ["name", "kind", "enabled", "created_at"]
    readonly_fields = ["kind", "created_at"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False


@admin.register(Alert)
class AlertAdmin(admin.ModelAdmin):
    """Alerts are a record of what the monitoring systems said: read here, never edited."""

    list_display = ["title", "source", "status", "severity", "fired_at", "resolved_at",
                    "repeats", "incident"]
    list_filter = ["status", "source"]
    search_fields = ["title", "key"]
    raw_id_fields = ["incident"]

    def get_readonly_fields(self, request: HttpRequest, obj: object = None) -> list[str]:
        return [f.name for f in Alert._meta.fields]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False
