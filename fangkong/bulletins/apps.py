from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class BulletinsConfig(AppConfig):
    name = "fangkong.bulletins"
    verbose_name = _("Daily bulletin")

    def ready(self):
        from fangkong.core.audit import register_object_type
        from fangkong.core.nav import NavItem, register
        from fangkong.core.tasks import register_task_source
        from fangkong.core.worker import register_sweep
        from fangkong.orgs.demo import register_demo
        from fangkong.orgs.services import register_path_copy

        from .demo import seed_bulletins
        from .models import Bulletin, Statement
        from .permissions import register_permissions
        from .sweeps import morning
        from .tasks import bulletins_waiting

        register_permissions()
        for model in (Bulletin, Statement):
            register_path_copy(model, "unit_path")
        register_object_type("bulletin", _("daily bulletin"))
        register_object_type("statement", _("external statement"))
        register(
            NavItem(
                _("Daily bulletin"),
                "bulletins:archive",
                icon="newspaper",
                order=5,
                section="command",
            )
        )
        register_sweep("bulletins.morning", morning, every=600)
        register_task_source("bulletins.waiting", bulletins_waiting)
        register_demo(seed_bulletins)
