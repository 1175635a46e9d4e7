from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DutyConfig(AppConfig):
    name = "fangkong.duty"
    verbose_name = _("Duty roster")

    def ready(self):
        from fangkong.core.nav import NavItem, register
        from fangkong.core.worker import register_sweep
        from fangkong.notify.recipients import register_on_duty_resolver
        from fangkong.orgs.demo import register_demo

        from .demo import seed_duty
        from .permissions import register_permissions
        from .queries.on_duty import contacts, on_duty_user_ids, roster_standing
        from .sweeps import notify_gaps

        register_permissions()
        from fangkong.core.tasks import register_task_source

        from . import tasks

        register_task_source("duty.my_shifts", tasks.my_shifts)
        register_task_source("duty.handovers", tasks.handovers_to_confirm)
        register_task_source("duty.swaps", tasks.swaps_to_decide)
        register_task_source("duty.gaps", tasks.coverage_gaps)

        from .command import register_panels

        register_panels()
        register(NavItem(_("Duty"), "duty:room_list", icon="telephone", order=4, section="command"))
        register_sweep("duty.coverage", notify_gaps, every=3600)
        register_on_duty_resolver(on_duty_user_ids, roster=roster_standing, contacts=contacts)
        register_demo(seed_duty)

        from fangkong.notify.topics import register_topic

        admins = _(
            "The unit admins of the room's unit (the nearest unit up its line that has any)."
        )
        register_topic("duty_gaps", _("Duty gaps"), recipients=admins)
        register_topic(
            "duty_swap",
            _("Duty swaps"),
            recipients=_(
                "A request: the unit admins who may decide it; a decision: "
                "who asked and both people of the shift."
            ),
        )
        register_topic(
            "duty_handover", _("Duty handovers"), recipients=_("The incoming person on duty.")
        )
