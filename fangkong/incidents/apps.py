from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class IncidentsConfig(AppConfig):
    name = "fangkong.incidents"
    verbose_name = _("Incidents")

    def ready(self):
        from fangkong.accountability.kinds import register_kind
        from fangkong.core.followups import subscribe
        from fangkong.core.nav import NavItem, register
        from fangkong.core.worker import URGENT, register_sweep
        from fangkong.health.services.cases import CASE_RESULT
        from fangkong.orgs.services import register_path_copy

        from . import ledger, services, sweeps
        from .models import Incident
        from .permissions import register_permissions

        register_permissions()
        from fangkong.core.tasks import register_task_source
        from fangkong.notify.chases import register_chase_kind

        from .chases import KIND
        from .tasks import incidents_waiting

        register_chase_kind(KIND)

        register_task_source("incidents.waiting", incidents_waiting)

        from .command import register_panels

        register_panels()
        register_path_copy(Incident, "unit_path")
        register(NavItem(_("Incidents"), "incidents:board", icon="exclamation-octagon", order=3))
        register_sweep("incidents.escalate", sweeps.escalate_due, every=15, lane=URGENT)
        from fangkong.core.metrics import register_collector

        from . import monitoring

        register_collector("incident_clocks", monitoring.collect)
        from fangkong.notify.topics import register_topic

        register_topic(
            services.TOPIC,
            _("Incidents"),
            urgent=True,
            on_duty=True,
            recipients=_(
                "Each receiving level's epidemic office, leading group and unit "
                "admins, and the people on duty for it (inbox and SMS)."
            ),
        )
        register_kind(
            services.LATE_KIND,
            _("incident reported or acknowledged late"),
            describe=ledger.describe,
            link=ledger.link,
            prefetch=ledger.prefetch,
        )
        subscribe(
            CASE_RESULT,
            "incidents.open_from_case",
            services.open_from_case_id,
            label=_("Open the incident of a suspected or confirmed case"),
        )

        from fangkong.orgs.demo import register_demo

        from .demo import seed_incidents

        register_demo(seed_incidents)
