from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RestartConfig(AppConfig):
    name = "fangkong.restart"
    verbose_name = _("Return to work")
