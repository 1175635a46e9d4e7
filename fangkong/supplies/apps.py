from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SuppliesConfig(AppConfig):
    name = "fangkong.supplies"
    verbose_name = _("Supplies")

    def ready(self):
        from fangkong.orgs.services import register_path_copy

        from .models import Balance, Move, Transfer
        from .permissions import register_permissions

        register_permissions()
        register_path_copy(Balance, "unit_path")
        register_path_copy(Move, "unit_path")
        register_path_copy(Transfer, "unit_path")

        from fangkong.core.nav import NavItem, NavSection, register, register_section

        # The section is core's on the lead's branch; registering it again is harmless.
        register_section(NavSection("supplies", _("Supplies"), "box-seam"))
        for label, name, icon, order in (
            (_("Stock ledger"), "supplies:stock", "box-seam", 18),
            (_("Daily count"), "supplies:daily", "list-check", 19),
            (_("Transfers"), "supplies:transfer_list", "arrow-left-right", 20),
        ):
            register(NavItem(label, name, icon=icon, order=order, section="supplies"))
