from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class NotifyConfig(AppConfig):
    name = "fangkong.notify"
    verbose_name = _("Notifications")

    def ready(self):
        from fangkong.core.nav import NavItem, register
        from fangkong.core.permissions import CorePerm
        from fangkong.core.worker import URGENT, register_sweep
        from fangkong.orgs.services import register_path_copy

        from . import checks  # noqa: F401 - registers the system checks
        from .models import Message
        from .permissions import NotifyPerm, register_permissions
        from .sweeps import deliver_sweep
        from .topics import register_topic
        from .views import InboxLabel

        register_topic(
            "chase",
            _("Reminders to act (催办)"),
            recipients=_("The liaisons of the chased unit."),
        )
        register_path_copy(Message, "unit_path")  # the delivery log's scope follows moves
        register_permissions()

        register_sweep("notify.deliver", deliver_sweep, every=2, lane=URGENT)
        from fangkong.core.healthz import register_check
        from fangkong.core.metrics import register_collector

        from . import monitoring

        register_check("outbox", monitoring.oldest_due_check)
        register_collector("outbox", monitoring.collect)
        register(NavItem(InboxLabel(), "notify:inbox", icon="bell", order=80))
        register(
            NavItem(
                _("Delivery log"),
                "notify:log",
                perm=CorePerm.READ_ACCESS_LOG,
                icon="send",
                order=91,
                section="system",
            )
        )
        register(
            NavItem(
                _("Routing rules"),
                "notify:rule_list",
                perm=NotifyPerm.MANAGE_ROUTING,
                icon="signpost-split",
                order=92,
                section="system",
            )
        )
