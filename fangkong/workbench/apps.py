from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class WorkbenchConfig(AppConfig):
    """工作台: each person's to-do list (home page, /api/v1/me/tasks) and the command view
    of a subtree (一张图). It is last in the layer order and reads the other apps through
    their registries (core.tasks, core.command) and queries."""

    name = "fangkong.workbench"
    verbose_name = _("Workbench")

    def ready(self):
        from fangkong.core.nav import NavItem, register

        from .permissions import WorkbenchPerm, register_permissions

        register_permissions()
        register(
            NavItem(
                _("Command view"),
                "workbench:command",
                perm=WorkbenchPerm.COMMAND_VIEW,
                icon="grid-1x2",
                order=2,
            )
        )
