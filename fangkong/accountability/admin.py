from django.contrib import admin

from .models import Annotation, Entry


class AnnotationInline(admin.TabularInline):
    model = Annotation
    extra = 0
    can_delete = False
    fields = readonly_fields = ("at", "actor_name", "action", "text")

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Entry)
class EntryAdmin(admin.ModelAdmin):
    """Read only: entries are made by the system from the facts, never typed by hand; notes
    and waivers go through the ledger page (services), which keeps who, when and why."""

    list_display = ("day", "unit", "kind", "grade", "repetition", "waived", "created_at")
    list_filter = ("kind", "grade", "waived")
    search_fields = ("unit__code", "unit__name", "liaison_name")
    date_hierarchy = "day"
    readonly_fields = [f.name for f in Entry._meta.fields]
    inlines = [AnnotationInline]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
