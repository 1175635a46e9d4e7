from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RestartConfig(AppConfig):
    name = "fangkong.restart"
    verbose_name = _("Return to work")

    def ready(self):
        from fangkong.core.nav import NavItem, register
        from fangkong.core.tasks import register_task_source
        from fangkong.notify.topics import register_topic
        from fangkong.orgs.demo import register_demo
        from fangkong.orgs.services import register_path_copy

        from .command import register_panels
        from .demo import seed_restart
        from .messages import TOPIC
        from .models import RestartPlan
        from .permissions import register_permissions
        from .tasks import plans_to_decide

        register_permissions()
        register_path_copy(RestartPlan, "unit_path")
        register(NavItem(_("Return to work"), "restart:list", icon="building-check", order=30,
                         section="sites"))  # fmt: skip
        register_topic(
            TOPIC,
            _("Return-to-work plan"),
            recipients=_(
                "Filed: the parent's epidemic office and leading group. Decided: the unit's "
                "liaisons and unit admins."
            ),
        )
        register_task_source("restart.plans_to_decide", plans_to_decide)
        register_panels()
        register_demo(seed_restart)
