from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ReportingConfig(AppConfig):
    name = "fangkong.reporting"
    verbose_name = _("Daily reports")

    def ready(self):
        from .permissions import ReportingPerm, register_permissions

        register_permissions()

        from fangkong.core.tasks import register_task_source

        from .tasks import reports_due, units_missing

        register_task_source("reporting.reports_due", reports_due)
        register_task_source("reporting.units_missing", units_missing)

        from .command import register_panels

        register_panels()

        from fangkong.core.audit import register_detail_key, register_object_type
        from fangkong.core.nav import NavItem, register
        from fangkong.core.worker import register_sweep

        register(
            NavItem(
                _("Reports to file"),
                "reporting:my_reports",
                perm=ReportingPerm.FILE_REPORTS,
                icon="pencil-square",
                order=5,
                section="reports",
            )
        )
        register(
            NavItem(
                _("Completeness"),
                "reporting:overview",
                icon="clipboard-check",
                order=6,
                section="reports",
            )
        )
        register_object_type("report_rollup", _("daily report roll-up (Excel export)"))
        register_object_type("report_matrix", _("completeness matrix (Excel export)"))
        register_detail_key(
            "as_of",
            _("figures"),
            [("now", _("as they are now")), ("cutoff", _("as of the cut-off"))],
        )
        register(
            NavItem(
                _("Report setup"),
                "reporting:setup",
                perm=ReportingPerm.MANAGE_FORMS,
                icon="sliders",
                order=80,
                section="reports",
            )
        )

        from .sweeps import sync_expected_reports

        register_sweep("reporting.sync_expected", sync_expected_reports, every=300)

        from django.apps import apps

        if apps.is_installed("fangkong.notify"):  # reminders go through notify's outbox
            from .sweeps import send_reminders

            register_sweep("reporting.reminders", send_reminders, every=30)

            from fangkong.notify.chases import register_chase_kind
            from fangkong.notify.topics import register_topic

            from .chases import KIND

            register_chase_kind(KIND)

            register_topic(
                "reminder",
                _("Report reminders"),
                recipients=_(
                    "The liaisons of the unit that has not filed; the "
                    "unit's robots and mailboxes get one list per "
                    "reminder."
                ),
            )
            register_topic(
                "missing",
                _("Missing reports"),
                recipients=_(
                    "The epidemic office of the nearest unit above the missing units that has one."
                ),
            )
            register_topic(
                "mismatch",
                _("Report figures that differ"),
                recipients=_(
                    "The epidemic office of the nearest unit above the filing unit that has one."
                ),
            )

            from fangkong.core.followups import subscribe

            from .prefill import notify_mismatch
            from .services import FILED

            subscribe(
                FILED,
                "reporting.notify_mismatch",
                notify_mismatch,
                label=_("Compare filed figures with the derived ones and tell the office"),
            )

        from fangkong.orgs.demo import register_demo
        from fangkong.orgs.services import register_path_copy, register_path_move_hook

        from .models import DailyReport
        from .rollup import on_unit_moved

        register_path_copy(DailyReport, "unit_path")
        register_path_move_hook(on_unit_moved)

        from .demo import seed_reports

        register_demo(seed_reports)
