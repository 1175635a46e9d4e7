from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class InspectionsConfig(AppConfig):
    name = "fangkong.inspections"
    verbose_name = _("Inspections")

    def ready(self):
        from fangkong.accountability.kinds import register_kind
        from fangkong.core.audit import register_object_type
        from fangkong.core.nav import NavItem, register
        from fangkong.core.tasks import register_task_source
        from fangkong.notify.topics import register_topic
        from fangkong.orgs.demo import register_demo
        from fangkong.orgs.services import register_path_copy

        from . import messages, tasks
        from .command import register_panels
        from .demo import seed_inspections
        from .models import Assignment, Rectification, Visit
        from .permissions import register_permissions
        from .sweeps import register_sweeps

        register_permissions()
        for model in (Assignment, Visit, Rectification):
            register_path_copy(model, "unit_path")
        register_sweeps()
        register_demo(seed_inspections)
        register_panels()
        register_task_source("inspections.to_fix", tasks.to_fix)
        register_task_source("inspections.to_verify", tasks.to_verify)
        register(
            NavItem(
                _("Inspections"),
                "inspections:home",
                icon="clipboard-check",
                order=30,
                section="sites",
            )
        )
        register_object_type("inspection_visit", _("inspection visit"))
        register_object_type("rectification", _("rectification item"))
        register_topic(
            messages.TOPIC,
            _("Rectification items"),
            recipients=_(
                "A new or reopened item: the owner unit's liaisons and owner; a fix to verify: "
                "the visit's inspector and the office above; overdue: the owner at the due "
                "time, the admins of the unit above one day later, the epidemic office above "
                "three days later."
            ),
        )
        register_kind(
            messages.OVERDUE_KIND,
            _("rectification item overdue"),
            describe=messages.describe_entry,
            link=messages.entry_link,
        )
