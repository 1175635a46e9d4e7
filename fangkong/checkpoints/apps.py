from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CheckpointsConfig(AppConfig):
    name = "fangkong.checkpoints"
    verbose_name = _("Checkpoints")

    def ready(self):
        from fangkong.core.nav import NavItem, register
        from fangkong.core.tasks import register_task_source
        from fangkong.orgs.demo import register_demo
        from fangkong.orgs.services import register_path_copy
        from fangkong.reporting.prefill import register_prefill

        from .command import register_panels
        from .demo import seed_checkpoints
        from .models import Checkpoint, Fever, Shift
        from .permissions import register_permissions
        from .prefill import derive
        from .tasks import counts_to_enter

        register_permissions()
        for model in (Checkpoint, Shift, Fever):
            register_path_copy(model, "unit_path")
        register(
            NavItem(
                _("Checkpoints"),
                "checkpoints:list",
                icon="thermometer-half",
                order=27,
                section="sites",
            )
        )
        register_task_source("checkpoints.counts_to_enter", counts_to_enter)
        register_prefill(derive)
        register_panels()
        register_demo(seed_checkpoints)
