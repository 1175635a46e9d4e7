from django.contrib import admin

from .models import Bulletin, Statement


@admin.register(Bulletin)
class BulletinAdmin(admin.ModelAdmin):
    list_display = ("unit", "day", "number", "state", "approved_by")
    list_filter = ("state",)
    readonly_fields = ("sections", "unit_path")
    raw_id_fields = ("unit", "generated_by", "edited_by", "approved_by", "published_by")


@admin.register(Statement)
class StatementAdmin(admin.ModelAdmin):
    list_display = ("title", "unit", "published", "published_at")
    raw_id_fields = ("unit", "bulletin", "created_by")
