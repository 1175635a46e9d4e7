from django.contrib import admin

from .models import FamilyMember, Person, RoleAssignment, Unit


@admin.register(Unit)
class UnitAdmin(admin.ModelAdmin):
    list_display = ("code", "name", "kind", "site_kind", "parent", "is_key_unit")
    list_filter = ("kind", "site_kind", "is_key_unit", "hosts_epidemic_office")
    search_fields = ("code", "name")
    raw_id_fields = ("parent", "liaison")
    readonly_fields = ("path", "depth")

    def has_change_permission(self, request, obj=None):
        # Units change through services (paths, moves, audit); the admin only reads them.
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

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(RoleAssignment)
class RoleAssignmentAdmin(admin.ModelAdmin):
    list_display = ("user", "role", "unit", "note")
    list_filter = ("role",)
    search_fields = ("user__username", "unit__code", "unit__name")
    raw_id_fields = ("user", "unit")
