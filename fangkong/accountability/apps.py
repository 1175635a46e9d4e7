from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AccountabilityConfig(AppConfig):
    name = "fangkong.accountability"
    verbose_name = _("Accountability")

    def ready(self):
        from . import checks  # noqa: F401 - registers the system checks
        from .permissions import register_permissions

        register_permissions()

        from fangkong.core.followups import subscribe
        from fangkong.reporting.services import FILED

        from .services import record_from_filing

        subscribe(
            FILED,
            "accountability.record_from_filing",
            record_from_filing,
            label=_("Record a late filing or a correction in the ledger"),
        )

        from fangkong.core.worker import register_sweep

        from .sweeps import record_overdue

        register_sweep("accountability.record", record_overdue, every=60)

        from fangkong.core.audit import register_object_type
        from fangkong.core.nav import NavItem, register

        register_object_type("accountability", _("accountability ledger (Excel export)"))
        register(
            NavItem(
                _("Accountability"),
                "accountability:entry_list",
                icon="journal-text",
                order=8,
                section="reports",
            )
        )

        from fangkong.orgs.demo import register_demo
        from fangkong.orgs.services import register_path_copy

        from .models import Entry
        from .sweeps import seed_ledger

        register_demo(seed_ledger)
        register_path_copy(Entry, "unit_path")
