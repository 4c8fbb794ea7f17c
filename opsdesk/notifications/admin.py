from django.contrib import admin

from .models import Notification


@admin.register(Notification)
class NotificationAdmin(admin.ModelAdmin):
    list_display = ["created_at", "recipient", "kind", "subject", "email_status", "read_at"]
    list_filter = ["kind", "email_status"]
    raw_id_fields = ["recipient", "ticket"]
