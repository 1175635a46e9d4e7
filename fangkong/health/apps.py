from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class HealthConfig(AppConfig):
    name = "fangkong.health"
    verbose_name = _("Staff health")

    def ready(self):
        from fangkong.orgs.services import register_path_copy

        from . import models
        from .permissions import HealthPerm, register_permissions

        register_permissions()
        from fangkong.core.metrics import register_collector

        from . import monitoring

        register_collector("checkins", monitoring.collect)
        from fangkong.notify.chases import register_chase_kind

        from .chases import FOLLOWUP_KIND, KIND

        register_chase_kind(KIND)
        register_chase_kind(FOLLOWUP_KIND)
        from fangkong.core.tasks import register_task_source

        from . import tasks

        register_task_source("health.checkins_missing", tasks.checkins_missing)
        register_task_source("health.cases_waiting", tasks.cases_waiting)
        register_task_source("health.follow_ups_due", tasks.follow_ups_due)

        from .command import register_panels

        register_panels()
        for model in (
            models.CheckIn,
            models.CheckInTally,
            models.HealthCase,
            models.Trip,
            models.Observation,
        ):
            register_path_copy(model, "unit_path")

        from fangkong.core.audit import register_object_type
        from fangkong.core.nav import NavItem, register
        from fangkong.orgs.panels import register_person_panel, register_unit_panel

        from .views.checkins import person_panel, unit_panel

        register(
            NavItem(
                _("Check-ins"),
                "health:checkins",
                perm=HealthPerm.VIEW_HEALTH,
                icon="thermometer-half",
                order=10,
                section="health",
            )
        )
        register(
            NavItem(
                _("Health cases"),
                "health:case_list",
                perm=HealthPerm.VIEW_HEALTH,
                icon="heart-pulse",
                order=11,
                section="health",
            )
        )
        register_unit_panel(unit_panel)

        from fangkong.reporting.prefill import register_prefill

        from .prefill import derive

        register_prefill(derive)

        from fangkong.core.worker import register_sweep

        from .sweeps import remind_missing_checkins

        register_sweep("health.checkin_reminders", remind_missing_checkins, every=300)

        from fangkong.notify.topics import register_topic

        from .services.cases import CASE_TOPIC

        # The recipient policy of health's topics (docs/operations.md); one picker,
        # services.cases.responsible_user_ids, for all but the check-in reminder.
        responsible = _(
            "The liaisons of the nearest unit up the person's line that has any, "
            "and the leaders of the person's unit."
        )
        register_topic(CASE_TOPIC, _("Health cases"), urgent=True, recipients=responsible)
        register_topic("health", _("Health (observation, travel)"), recipients=responsible)
        register_topic(
            "checkin_reminder",
            _("Check-in reminders"),
            recipients=_("The liaisons of the unit itself."),
        )

        from fangkong.orgs.demo import register_demo

        from .demo import seed_health

        register_demo(seed_health)
        register_person_panel(person_panel)
        for key, label in (
            ("checkin", _("check-ins of a unit")),
            ("checkin_link", _("personal check-in links")),
            ("health_record", _("a person's health record")),
            ("health_case", _("health case")),
            ("case_counts", _("counts of health cases (command view)")),
        ):
            register_object_type(key, label)

        # --- observation and travel: nav items, sweeps, object types ---
        from fangkong.core.audit import register_detail_key, register_object_type
        from fangkong.core.nav import NavItem, register
        from fangkong.core.worker import register_sweep

        from .sweeps import flag_missing_follow_ups

        register_object_type("observation", _("observation"))
        register_object_type("observation_list", _("observation list"))
        register_object_type("trip", _("trip"))
        register_object_type("trip_list", _("trip register"))
        from .choices import CaseState

        register_detail_key(
            "checkins",
            _("list"),
            [("missing", _("Not checked in")), ("fever", _("Fever")), ("all", _("All"))],
        )
        register_detail_key(
            "cases", _("list"), [("open", _("open cases")), *CaseState.choices, ("all", _("All"))]
        )
        register_detail_key(
            "observations",
            _("list"),
            [("open", _("under observation")), ("released", _("Released")), ("all", _("All"))],
        )
        register_detail_key("trips", _("list"), [("flagged", _("flagged trips only"))])
        register_detail_key("returns", _("returns from"))
        register(
            NavItem(
                _("Observation"),
                "health:observation_list",
                perm=HealthPerm.VIEW_HEALTH,
                icon="hospital",
                order=12,
                section="health",
            )
        )
        register(
            NavItem(
                _("Travel"),
                "health:trip_list",
                perm=HealthPerm.VIEW_HEALTH,
                icon="airplane",
                order=13,
                section="health",
            )
        )
        register_sweep("health.follow_ups", flag_missing_follow_ups, every=300)
        # --- end of observation and travel ---
