from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest

from .models import Channel, ChannelDelivery, DeliveryStatus, Notification
from .services import send_again


@admin.register(Notification)
class NotificationAdmin(admin.ModelAdmin):
    list_display = ["created_at", "recipient", "kind", "subject", "email_status", "read_at"]
    list_filter = ["kind", "email_status"]
    raw_id_fields = ["recipient", "ticket"]


@admin.register(Channel)
class ChannelAdmin(admin.ModelAdmin):
    list_display = ["name", "kind", "team", "user", "enabled", "created_at"]
    list_filter = ["kind", "enabled", "team"]
    search_fields = ["name", "team__name", "user__email"]
    raw_id_fields = ["user"]
    fields = ["name", "kind", "team", "user", "target", "secret", "enabled"]


@admin.register(ChannelDelivery)
class ChannelDeliveryAdmin(admin.ModelAdmin):
    list_display = ["created_at", "channel", "kind", "title", "status", "attempts",
                    "next_attempt_at", "delivered_at"]
    list_filter = ["status", "channel__kind", "kind"]
    search_fields = ["title", "channel__name"]
    raw_id_fields = ["channel", "ticket"]
    readonly_fields = ["status", "attempts", "last_error", "next_attempt_at", "delivered_at",
                       "created_at"]
    actions = ["send_again_action"]

    @admin.action(description="Send the selected failed deliveries again")
    def send_again_action(self, request: HttpRequest, queryset: QuerySet[ChannelDelivery]) -> None:
        failed = list(queryset.filter(status=DeliveryStatus.FAILED))
        for delivery in failed:
            send_again(delivery=delivery)
        self.message_user(request, f"{len(failed)} delivery(ies) queued again.")
