from django.contrib import admin

from .models import BusinessCalendar, Holiday, SlaClock, SlaEvent, SlaPolicy


class HolidayInline(admin.TabularInline):
    model = Holiday
    extra = 1


@admin.register(BusinessCalendar)
class BusinessCalendarAdmin(admin.ModelAdmin):
    list_display = ["name", "time_zone", "work_days", "opens", "closes"]
    inlines = [HolidayInline]


@admin.register(SlaPolicy)
class SlaPolicyAdmin(admin.ModelAdmin):
    list_display = ["position", "name", "cos", "team", "tag", "intake_minutes", "ack_minutes",
                    "update_minutes", "escalation_minutes", "resolve_minutes", "calendar",
                    "enabled"]
    list_display_links = ["name"]
    list_editable = ["position", "enabled"]
    list_filter = ["cos", "enabled"]


class SlaEventInline(admin.TabularInline):
    model = SlaEvent
    extra = 0
    can_delete = False
    readonly_fields = fields = ("kind", "at", "due_at", "note")


@admin.register(SlaClock)
class SlaClockAdmin(admin.ModelAdmin):
    list_display = ["ticket", "target", "status", "due_at", "met_at", "warned_at", "breached_at"]
    list_filter = ["target", "status"]
    raw_id_fields = ["ticket"]
    readonly_fields = [f.name for f in SlaClock._meta.fields]
    inlines = [SlaEventInline]
