from django.contrib import admin

from .models import Allocation, Fund, Payment, Proposal


class AllocationInline(admin.TabularInline):
    model = Allocation
    extra = 0
    readonly_fields = ("amount_fen", "basis", "on", "at", "by")
    can_delete = False


@admin.register(Fund)
class FundAdmin(admin.ModelAdmin):
    list_display = ("name", "unit", "over_budget", "active")
    readonly_fields = ("unit", "unit_path", "created_at", "created_by")
    inlines = [AllocationInline]


@admin.register(Proposal)
class ProposalAdmin(admin.ModelAdmin):
    """Read-only: proposals change only through their chain (funds/services.py)."""

    list_display = ("fund", "number", "purpose", "amount_fen", "state")
    list_filter = ("state",)

    def has_change_permission(self, request, obj=None):
        return False

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Payment)
class PaymentAdmin(ProposalAdmin):
    list_display = ("fund", "proposal", "voucher_no", "amount_fen", "paid_on")
    list_filter = ()
