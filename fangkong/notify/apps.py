from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class NotifyConfig(AppConfig):
    name = "fangkong.notify"
    verbose_name = _("Notifications")

    def ready(self):
        from fangkong.core.nav import NavItem, register
        from fangkong.core.worker import register_sweep
        from fangkong.orgs.services import register_path_copy

        from .models import Message
        from .services import deliver_sweep
        from .views import InboxLabel

        register_path_copy(Message, "unit_path")  # the delivery log's scope follows moves

        register_sweep("notify.deliver", deliver_sweep, every=2)
        register(NavItem(InboxLabel(), "notify:inbox", icon="bell", order=80))
        register(
            NavItem(_("Delivery log"), "notify:log", perm="read_access_log", icon="send", order=91)
        )
