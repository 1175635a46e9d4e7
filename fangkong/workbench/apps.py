from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class WorkbenchConfig(AppConfig):
    """工作台: each person's to-do list (home page, /api/v1/me/tasks) and the command view
    of a subtree (一张图). It is last in the layer order and reads the other apps through
    their registries (core.tasks) and queries."""

    name = "fangkong.workbench"
    verbose_name = _("Workbench")
