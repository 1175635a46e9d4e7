from django import forms
from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from fangkong.core.audit import record_change

from .models import UnitChannel


class UnitChannelForm(forms.ModelForm):
    class Meta:
        model = UnitChannel
        fields = ["unit", "kind", "name", "target", "secret", "is_active"]
        # Kept on the page (an empty box would erase it on save) but not shown in clear.
        widgets = {"secret": forms.PasswordInput(render_value=True)}


@admin.register(UnitChannel)
class UnitChannelAdmin(admin.ModelAdmin):
    form = UnitChannelForm
    list_display = ("unit", "kind", "name", "where", "is_active")
    list_filter = ("kind", "is_active")
    search_fields = ("unit__code", "unit__name", "name")
    raw_id_fields = ("unit",)
    list_select_related = ("unit",)

    @admin.display(description=_("where"))
    def where(self, obj):
        return obj.display_target

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        # The secret and the URL's token are credentials: the audit names the fields only.
        record_change(
            request.user,
            "admin_save_channel",
            obj,
            obj.unit.path,
            {"kind": obj.kind, "changed": form.changed_data, "active": obj.is_active},
        )

    def delete_model(self, request, obj):
        record_change(request.user, "admin_delete_channel", obj, obj.unit.path, {"kind": obj.kind})
        super().delete_model(request, obj)
