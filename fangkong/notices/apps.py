from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class NoticesConfig(AppConfig):
    name = "fangkong.notices"
    verbose_name = _("Orders and notices")

    def ready(self):
        from fangkong.accountability.kinds import register_kind
        from fangkong.core.audit import register_object_type
        from fangkong.core.nav import NavItem, register
        from fangkong.core.tasks import register_task_source
        from fangkong.core.worker import register_sweep
        from fangkong.notify.topics import register_topic
        from fangkong.orgs.demo import register_demo
        from fangkong.orgs.services import register_path_copy

        from . import messages, services, sweeps
        from .command import register_panels
        from .demo import seed_notices
        from .models import Notice, Receipt
        from .permissions import NoticePerm, register_permissions
        from .tasks import notices_waiting

        register_permissions()
        register_path_copy(Notice, "unit_path")
        register_path_copy(Receipt, "unit_path")
        register_object_type("notice", _("notice"))
        register(
            NavItem(
                _("Orders and notices"),
                "notices:notice_list",
                perm=NoticePerm.VIEW_NOTICES,
                icon="megaphone",
                order=30,
                section="command",
            )
        )
        register_task_source("notices.waiting", notices_waiting)
        register_panels()
        register_sweep("notices.missing_replies", sweeps.missing_replies, every=300)
        register_kind(
            services.ACCOUNTABILITY_KIND,
            _("Notice reply missing"),
            describe=_describe,
            link=_link,
        )
        register_topic(
            messages.TOPIC,
            _("Orders and notices"),
            recipients=_(
                "A notice issued: in-app to the people holding a role on each recipient unit "
                "(or the role it is addressed to); one waiting for approval: the leading group "
                "up the issuer's line."
            ),
        )
        register_topic(
            messages.TOPIC_CHASE,
            _("Notice reminders"),
            on_duty=True,
            recipients=_(
                "The units that have not read, acknowledged or replied: in-app first; from "
                "the second reminder on also the unit's rules and the people on duty (SMS); "
                "from the third on the unit's robots."
            ),
        )
        register_demo(seed_notices)


def _describe(entry) -> str:
    from django.utils.translation import gettext

    facts = entry.facts or {}
    return gettext("No written reply to %(number)s %(title)s by its deadline.") % {
        "number": facts.get("number", ""),
        "title": facts.get("title", ""),
    }


def _link(entry) -> str:
    from django.urls import reverse

    return reverse("notices:notice_detail", args=[entry.object_id])
