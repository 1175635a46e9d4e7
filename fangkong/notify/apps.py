from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class NotifyConfig(AppConfig):
    name = "fangkong.notify"
    verbose_name = _("Notifications")

    def ready(self):
        from fangkong.core.nav import NavItem, register
        from fangkong.core.worker import URGENT, register_sweep
        from fangkong.orgs.access import register_permission
        from fangkong.orgs.choices import Role
        from fangkong.orgs.services import register_path_copy

        from . import checks  # noqa: F401  (registers the settings checks)
        from .models import Message
        from .sweeps import deliver_sweep
        from .views import InboxLabel

        register_path_copy(Message, "unit_path")  # the delivery log's scope follows moves
        # Who sets a unit's routing rules: its admins (a role covers the subtree).
        register_permission("manage_routing", {Role.SYSTEM_ADMIN, Role.UNIT_ADMIN})

        register_sweep("notify.deliver", deliver_sweep, every=2, lane=URGENT)
        register(NavItem(InboxLabel(), "notify:inbox", icon="bell", order=80))
        register(
            NavItem(
                _("Delivery log"),
                "notify:log",
                perm="read_access_log",
                icon="send",
                order=91,
                section="system",
            )
        )
        register(
            NavItem(_("Routing rules"), "notify:rule_list", perm="manage_routing",
                    icon="signpost-split", order=92, section="system")
        )  # fmt: skip
