from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DutyConfig(AppConfig):
    name = "fangkong.duty"
    verbose_name = _("Duty roster")

    def ready(self):
        from fangkong.core.nav import NavItem, register
        from fangkong.core.worker import register_sweep
        from fangkong.notify.recipients import register_on_duty_resolver
        from fangkong.orgs.access import register_permission
        from fangkong.orgs.choices import Role
        from fangkong.orgs.demo import register_demo

        from .demo import seed_duty
        from .queries.on_duty import on_duty_user_ids
        from .sweeps import notify_gaps

        # Keeping rosters: admins and the epidemic office. Viewing them is "view".
        register_permission("manage_duty", {Role.SYSTEM_ADMIN, Role.UNIT_ADMIN, Role.OFFICE})
        register(NavItem(_("Duty"), "duty:room_list", perm="view", icon="telephone", order=4))
        register_sweep("duty.coverage", notify_gaps, every=3600)
        register_on_duty_resolver(on_duty_user_ids)
        register_demo(seed_duty)
