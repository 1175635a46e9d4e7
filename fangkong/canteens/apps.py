from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CanteensConfig(AppConfig):
    name = "fangkong.canteens"
    verbose_name = _("Canteens")

    def ready(self):
        from fangkong.core.nav import NavItem, register
        from fangkong.core.tasks import register_task_source
        from fangkong.core.worker import register_sweep
        from fangkong.notify.topics import register_topic
        from fangkong.orgs.demo import register_demo
        from fangkong.orgs.services import register_path_copy

        from .command import register_panels
        from .demo import seed_canteens
        from .messages import TOPIC
        from .models import Canteen, Diner, Plan
        from .permissions import register_permissions
        from .sweeps import replan_changed
        from .tasks import plans_to_publish

        register_permissions()
        register_path_copy(Canteen, "unit_path")
        register_path_copy(Plan, "unit_path")
        register_path_copy(Diner, "unit_path")
        register(NavItem(_("Canteens"), "canteens:list", icon="cup-hot", order=29, section="sites"))
        register_topic(
            TOPIC,
            _("Canteen plan"),
            recipients=_("The liaisons of each department the canteen serves."),
        )
        register_sweep("canteens.replan", replan_changed, every=600)
        register_task_source("canteens.plans_to_publish", plans_to_publish)
        register_panels()
        register_demo(seed_canteens)
