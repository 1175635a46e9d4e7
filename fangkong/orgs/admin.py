from django.contrib import admin

from fangkong.core.audit import log_access, record_change
from fangkong.core.scope import forget_scopes

from .models import FamilyMember, Person, RoleAssignment, Unit


@admin.register(Unit)
class UnitAdmin(admin.ModelAdmin):
    list_display = ("code", "name", "kind", "site_kind", "parent", "is_key_unit")
    list_filter = ("kind", "site_kind", "is_key_unit", "hosts_epidemic_office")
    search_fields = ("code", "name")
    raw_id_fields = ("parent", "liaison")
    readonly_fields = ("path", "depth")

    # Units change through services (paths, moves, audit): the admin only reads them.
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


class FamilyInline(admin.TabularInline):
    model = FamilyMember
    extra = 0


@admin.register(Person)
class PersonAdmin(admin.ModelAdmin):
    list_display = ("employee_no", "name", "unit", "position", "is_party_member")
    list_filter = ("is_party_member", "gender")
    search_fields = ("employee_no", "name")
    raw_id_fields = ("unit", "group", "user")
    readonly_fields = ("unit_path", "id_number_masked")
    exclude = ("id_number_hash",)
    inlines = [FamilyInline]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def change_view(self, request, object_id, form_url="", extra_context=None):
        person = Person.objects.filter(pk=object_id).only("pk", "unit_path").first()
        if person is not None:
            log_access(request, "view", "person", person.pk, person.unit_path, {"via": "admin"})
        return super().change_view(request, object_id, form_url, extra_context)


@admin.register(RoleAssignment)
class RoleAssignmentAdmin(admin.ModelAdmin):
    list_display = ("user", "role", "unit", "note")
    list_filter = ("role",)
    search_fields = ("user__username", "unit__code", "unit__name")
    raw_id_fields = ("user", "unit")

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        forget_scopes(obj.user)
        record_change(request.user, "admin_save_role", obj, obj.unit.path, {"role": obj.role})

    def delete_model(self, request, obj):
        record_change(request.user, "admin_delete_role", obj, obj.unit.path, {"role": obj.role})
        super().delete_model(request, obj)
