"""Schedules are set on the schedule page; slots and their tallies are never edited by
hand (a missed slot is a fact). The admin lists the QR links for support."""

from django.contrib import admin

from .models import SiteLink


@admin.register(SiteLink)
class SiteLinkAdmin(admin.ModelAdmin):
    list_display = ("site", "created_at", "revoked_at", "last_used_at")
    readonly_fields = ("site", "nonce", "created_at", "created_by", "revoked_by")
    search_fields = ("site__name", "site__code")
