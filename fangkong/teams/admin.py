from django.contrib import admin

from .models import Deployment, Member, Team


class MemberInline(admin.TabularInline):
    model = Member
    raw_id_fields = ["person"]
    extra = 0


@admin.register(Team)
class TeamAdmin(admin.ModelAdmin):
    list_display = ["name", "kind", "unit"]
    list_filter = ["kind"]
    raw_id_fields = ["unit"]
    inlines = [MemberInline]


@admin.register(Deployment)
class DeploymentAdmin(admin.ModelAdmin):
    list_display = ["team", "unit", "task", "starts_on", "ends_on"]
    raw_id_fields = ["team", "unit"]
