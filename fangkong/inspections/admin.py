from django.contrib import admin

from .models import Checklist, ChecklistItem, ChecklistVersion, Rectification, Visit


class ItemInline(admin.TabularInline):
    model = ChecklistItem
    extra = 0


@admin.register(Checklist)
class ChecklistAdmin(admin.ModelAdmin):
    list_display = ("code", "name", "is_active")


@admin.register(ChecklistVersion)
class ChecklistVersionAdmin(admin.ModelAdmin):
    list_display = ("checklist", "number", "created_at")
    inlines = [ItemInline]


@admin.register(Visit)
class VisitAdmin(admin.ModelAdmin):
    list_display = ("unit", "day", "inspector", "state")
    readonly_fields = ("unit", "unit_path", "inspector", "checklist", "created_by")


@admin.register(Rectification)
class RectificationAdmin(admin.ModelAdmin):
    list_display = ("title", "unit", "severity", "state", "due_at")
    readonly_fields = ("visit", "answer", "unit", "unit_path", "fixed_by", "verified_by")
