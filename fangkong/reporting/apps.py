from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ReportingConfig(AppConfig):
    name = "fangkong.reporting"
    verbose_name = _("Daily reports")

    def ready(self):
        from fangkong.orgs.access import register_permission
        from fangkong.orgs.choices import Role

        register_permission(
            "file_reports", {Role.SYSTEM_ADMIN, Role.UNIT_ADMIN, Role.OFFICE, Role.LIAISON}
        )
        register_permission("manage_forms", {Role.SYSTEM_ADMIN, Role.OFFICE})

        from fangkong.core.worker import register_sweep

        from .sweeps import sync_expected_reports

        register_sweep("reporting.sync_expected", sync_expected_reports, every=300)
