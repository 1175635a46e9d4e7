from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SuppliesConfig(AppConfig):
    name = "fangkong.supplies"
    verbose_name = _("Supplies")

    def ready(self):
        from fangkong.core.permissions import CorePerm
        from fangkong.core.worker import register_sweep
        from fangkong.orgs.services import register_path_copy

        from .models import Balance, Move, StockDay, Transfer
        from .permissions import SuppliesPerm, register_permissions
        from .sweeps import refresh_cover, tell_overdue

        register_permissions()
        register_path_copy(Balance, "unit_path")
        register_path_copy(Move, "unit_path")
        register_path_copy(Transfer, "unit_path")
        register_path_copy(Transfer, "to_path")
        register_path_copy(StockDay, "unit_path")
        register_sweep("supplies.cover", refresh_cover, every=900)
        register_sweep("supplies.overdue", tell_overdue, every=60)

        from fangkong.core.nav import NavItem, register

        for label, name, perm, icon, order in (
            (_("Stock ledger"), "supplies:stock", CorePerm.VIEW, "box-seam", 18),
            (_("Daily count"), "supplies:daily", CorePerm.VIEW, "list-check", 19),
            (_("Transfers"), "supplies:transfer_list", CorePerm.VIEW, "arrow-left-right", 20),
            (_("Shortfall board"), "supplies:board", CorePerm.VIEW, "exclamation-diamond", 21),
            (_("Supply requests"), "supplies:request_list", CorePerm.VIEW, "inbox", 22),
            (_("Distribute a batch"), "supplies:distribute", SuppliesPerm.KEEP_STOCK, "truck", 23),
        ):
            register(NavItem(label, name, perm=perm, icon=icon, order=order, section="supplies"))

        from fangkong.core.tasks import register_task_source
        from fangkong.reporting.prefill import register_prefill

        from . import prefill, tasks
        from .command import register_panels

        register_task_source("supplies.requests", tasks.requests_to_decide)
        register_task_source("supplies.receipts", tasks.receipts_to_confirm)
        register_panels()
        register_prefill(prefill.derive)

        from fangkong.orgs.demo import register_demo

        from .demo import seed_supplies

        register_demo(seed_supplies)

        from fangkong.notify.topics import register_topic

        register_topic(
            "supply_shortfall",
            _("Supply shortfalls"),
            recipients=_(
                "The unit's liaisons and the epidemic office or unit admins of the nearest "
                "unit above."
            ),
        )
        register_topic(
            "supply_request",
            _("Supply requests"),
            recipients=_(
                "A request: the office or unit admins of the level it waits at (when "
                "overdue, of the level above); a decision: who asked and the liaisons of "
                "the unit it is for."
            ),
        )
        register_topic(
            "supply_receipt",
            _("Supply receipts to confirm"),
            recipients=_("The liaisons of the receiving unit."),
        )
