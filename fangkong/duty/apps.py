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
        from .queries.on_duty import on_duty_user_ids
        from .sweeps import notify_gaps

        register_permissions()
        register(NavItem(_("Duty"), "duty:room_list", icon="telephone", order=4))
        register_sweep("duty.coverage", notify_gaps, every=3600)
        register_on_duty_resolver(on_duty_user_ids)
        register_demo(seed_duty)
