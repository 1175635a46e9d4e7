from django.contrib import admin

from .models import Checkpoint, Fever, Shift


@admin.register(Checkpoint)
class CheckpointAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "unit", "is_active"]
    search_fields = ["code", "name"]
    raw_id_fields = ["unit"]


@admin.register(Shift)
class ShiftAdmin(admin.ModelAdmin):
    list_display = ["checkpoint", "day", "slot", "checked", "fevers", "turned_away"]
    list_filter = ["slot"]
    raw_id_fields = ["checkpoint"]


@admin.register(Fever)
class FeverAdmin(admin.ModelAdmin):
    list_display = ["shift", "passer", "temperature", "case", "incident"]
    raw_id_fields = ["shift", "person", "case", "incident"]
