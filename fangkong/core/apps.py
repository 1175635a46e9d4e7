from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CoreConfig(AppConfig):
    name = "fangkong.core"
    verbose_name = _("Core")

    def ready(self):
        from . import checks  # noqa: F401 - registers the system checks
        from .idempotency import purge
        from .nav import NavItem, NavSection, register, register_section
        from .permissions import CorePerm
        from .worker import URGENT, register_sweep

        register_sweep("core.idempotency_purge", purge, every=3600)
        from django.db.models.signals import post_migrate

        from . import statistics

        register_sweep("core.statistics", statistics.refresh, every=24 * 3600)
        post_migrate.connect(statistics.refresh, sender=self, dispatch_uid="core.statistics")
        from . import followups

        # Follow-ups open incidents: urgent work, a lane of its own next to the escalation.
        # Follow-ups open incidents of suspected cases: seconds count, as for escalation.
        register_sweep("core.followups", followups.run_due, every=2, lane=URGENT)
        register_sweep("core.followups_purge", followups.purge, every=3600)

        # The dropdowns of the navigation bar; apps put their entries in them by key.
        for key, label, icon in (
            ("reports", _("Daily reports"), "clipboard-check"),
            ("health", _("Staff health"), "heart-pulse"),
            ("supplies", _("Supplies and funds"), "box-seam"),
            ("command", _("Command and communication"), "megaphone"),
            ("sites", _("Site operations"), "droplet-half"),
            ("orgs", _("Units and people"), "diagram-3"),
            ("system", _("System"), "gear-wide-connected"),
        ):
            register_section(NavSection(key, label, icon))
        register(
            NavItem(
                _("Access log"),
                "core:access_log",
                perm=CorePerm.READ_ACCESS_LOG,
                icon="eye",
                order=90,
                section="system",
            )
        )
        register(
            NavItem(
                _("Follow-up work"),
                "core:followups",
                perm=CorePerm.READ_ACCESS_LOG,
                icon="arrow-repeat",
                order=93,
                section="system",
            )
        )
