from django.contrib import admin

from .models import Canteen, Plan


@admin.register(Canteen)
class CanteenAdmin(admin.ModelAdmin):
    list_display = ("unit", "seats", "safe_seats")
    raw_id_fields = ("unit",)


@admin.register(Plan)
class PlanAdmin(admin.ModelAdmin):
    list_display = ("canteen", "day", "meal", "version", "state")
    list_filter = ("state", "meal")
