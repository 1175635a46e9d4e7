"""System admins keep the catalogue here (there is no page of our own for it); the ledger
itself is never edited, so moves and balances are not registered."""

from django.contrib import admin

from .models import Item


@admin.register(Item)
class ItemAdmin(admin.ModelAdmin):
    list_display = (
        "name",
        "code",
        "category",
        "unit_of_measure",
        "pack_name",
        "pack_size",
        "durable",
        "active",
        "sort_order",
    )
    list_filter = ("category", "durable", "active")
    search_fields = ("name", "code")
    ordering = ("sort_order", "code")
