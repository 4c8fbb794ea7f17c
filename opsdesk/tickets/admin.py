from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from .models import CosRule, Escalation, EscalationResponse, ImpactGroup, Message, Tag, Ticket


@admin.register(CosRule)
class CosRuleAdmin(admin.ModelAdmin):
    list_display = ["position", "name", "cos", "min_users", "max_users",
                    "needs_critical_function", "min_failure_rate", "needs_due_date", "tag",
                    "rationale", "enabled"]
    list_display_links = ["name"]
    list_editable = ["position", "enabled"]
    list_filter = ["cos", "enabled"]


class ImpactGroupInline(admin.TabularInline):
    model = ImpactGroup
    extra = 0


class MessageInline(admin.TabularInline):
    """The timeline, read-only: it is history, changed only through the desk."""

    model = Message
    extra = 0
    can_delete = False
    readonly_fields = fields = ("created_at", "kind", "event", "author", "public", "body")

    def has_add_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False


@admin.register(Ticket)
class TicketAdmin(admin.ModelAdmin):
    list_display = ["ref", "title", "stage", "cos", "priority", "assignee", "team",
                    "received_at"]
    list_filter = ["stage", "cos", "channel", "team"]
    search_fields = ["title", "requester__email"]
    raw_id_fields = ["requester", "assignee", "created_by"]
    filter_horizontal = ["tags", "followers"]
    readonly_fields = ["version", "created_at", "updated_at", "cos_rationale"]
    inlines = [ImpactGroupInline, MessageInline]
    list_select_related = ["assignee", "team"]
    show_full_result_count = False

    def save_model(self, request: HttpRequest, obj: Ticket, form: Any, change: bool) -> None:
        """Saved here, an open ticket's title or description is compared with new ones
        as edited."""
        from opsdesk.duplicates.services import index_ticket

        super().save_model(request, obj, form, change)
        if obj.is_open:
            index_ticket(ticket=obj, replace=True)


@admin.register(Tag)
class TagAdmin(admin.ModelAdmin):
    search_fields = ["name"]


class EscalationResponseInline(admin.TabularInline):
    model = EscalationResponse
    extra = 0
    raw_id_fields = ["author"]


@admin.register(Escalation)
class EscalationAdmin(admin.ModelAdmin):
    list_display = ["ticket", "team", "status", "ask", "created_at", "answered_at"]
    list_filter = ["status", "team"]
    raw_id_fields = ["ticket", "created_by"]
    inlines = [EscalationResponseInline]
