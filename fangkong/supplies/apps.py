from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SuppliesConfig(AppConfig):
    name = "fangkong.supplies"
    verbose_name = _("Supplies")

    def ready(self):
        from fangkong.core.worker import register_sweep
        from fangkong.orgs.services import register_path_copy

        from .models import Balance, Move, StockDay, Transfer
        from .permissions import register_permissions
        from .sweeps import refresh_cover

        register_permissions()
        register_path_copy(Balance, "unit_path")
        register_path_copy(Move, "unit_path")
        register_path_copy(Transfer, "unit_path")
        register_path_copy(Transfer, "to_path")
        register_path_copy(StockDay, "unit_path")
        register_sweep("supplies.cover", refresh_cover, every=900)
