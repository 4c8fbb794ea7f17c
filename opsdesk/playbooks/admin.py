from typing import Any

from django.contrib import admin
from django.http import HttpRequest
from django.utils import timezone

from .models import ReplyTemplate


@admin.register(ReplyTemplate)
class ReplyTemplateAdmin(admin.ModelAdmin):
    list_display = ["key", "language", "subject", "enabled", "updated_at"]
    list_filter = ["key", "language", "enabled"]
    readonly_fields = ["updated_at"]

    def save_model(self, request: HttpRequest, obj: ReplyTemplate, form: Any,
                   change: bool) -> None:
        obj.updated_at = timezone.now()
        super().save_model(request, obj, form, change)
