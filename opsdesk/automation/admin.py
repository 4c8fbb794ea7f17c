from django.contrib import admin

from .models import AutomationRun, AutomationStep, Rule


@admin.register(Rule)
class RuleAdmin(admin.ModelAdmin):
    list_display = ["position", "name", "trigger", "enabled", "stop_processing", "updated_at"]
    list_display_links = ["name"]
    list_editable = ["position", "enabled"]
    list_filter = ["trigger", "enabled"]
    search_fields = ["name", "description"]
    readonly_fields = ["created_by", "created_at", "updated_at"]

    def save_model(self, request: object, obj: Rule, form: object, change: bool) -> None:
        from django.utils import timezone

        if not change:
            obj.created_by = request.user  # type: ignore[attr-defined]
        obj.updated_at = timezone.now()
        super().save_model(request, obj, form, change)  # type: ignore[arg-type]


class AutomationStepInline(admin.TabularInline):
    model = AutomationStep
    extra = 0
    can_delete = False
    readonly_fields = fields = ("position", "kind", "name", "input", "output", "duration_ms",
                                "error")

    def has_add_permission(self, request: object, obj: object = None) -> bool:
        return False


@admin.register(AutomationRun)
class AutomationRunAdmin(admin.ModelAdmin):
    list_display = ["started_at", "name", "ticket", "trigger", "dry_run", "outcome",
                    "duration_ms"]
    list_filter = ["outcome", "dry_run", "kind", "trigger"]
    raw_id_fields = ["ticket", "rule", "parent"]
    readonly_fields = [f.name for f in AutomationRun._meta.fields]
    inlines = [AutomationStepInline]

    def has_add_permission(self, request: object) -> bool:
        return False
