from django.contrib import admin

from .models import IssuerSetting, Notice, Receipt


@admin.register(Notice)
class NoticeAdmin(admin.ModelAdmin):
    list_display = ("number", "title", "issuer", "state", "issued_at")
    list_filter = ("state", "kind")
    raw_id_fields = ("issuer", "original", "root", "signer", "created_by", "approved_by")


@admin.register(Receipt)
class ReceiptAdmin(admin.ModelAdmin):
    list_display = ("notice", "unit", "read_at", "acked_at")
    raw_id_fields = ("notice", "root", "unit", "person", "read_by", "acked_by")


admin.site.register(IssuerSetting)
