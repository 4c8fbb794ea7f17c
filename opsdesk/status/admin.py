from django.contrib import admin

from .models import Subscription


@admin.register(Subscription)
class SubscriptionAdmin(admin.ModelAdmin):
    list_display = ("email", "language", "confirmed_at")
    search_fields = ("email",)
    filter_horizontal = ("components",)
