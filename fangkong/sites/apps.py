from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SitesConfig(AppConfig):
    name = "fangkong.sites"
    verbose_name = _("Disinfection and ventilation")

    def ready(self):
        from fangkong.accountability.kinds import register_kind
        from fangkong.core.permissions import CorePerm
        from fangkong.core.worker import register_sweep
        from fangkong.orgs.services import register_path_copy

        from . import ledger
        from .models import Schedule, Slot, SlotTally
        from .permissions import SitesPerm, register_permissions
        from .services import MISSED_KIND
        from .sweeps import mark_missed, sync_expected_slots

        register_permissions()
        register_path_copy(Schedule, "unit_path")
        register_path_copy(Slot, "unit_path")
        register_path_copy(SlotTally, "unit_path")
        register_sweep("sites.slots", sync_expected_slots, every=600)
        register_sweep("sites.missed", mark_missed, every=60)
        register_kind(
            MISSED_KIND,
            _("disinfection or ventilation missed"),
            describe=ledger.describe,
            link=ledger.link,
        )

        from fangkong.core.nav import NavItem, register

        for label, name, perm, icon, order in (
            (_("Disinfection"), "sites:compliance", CorePerm.VIEW, "droplet-half", 24),
            (
                _("Disinfection schedules"),
                "sites:schedules",
                SitesPerm.MANAGE_SCHEDULES,
                "calendar-week",
                25,
            ),
            (_("Site QR codes"), "sites:qr_sheet", SitesPerm.MANAGE_SCHEDULES, "qr-code", 26),
        ):
            register(NavItem(label, name, perm=perm, icon=icon, order=order, section="sites"))

        from fangkong.core.tasks import register_task_source

        from . import tasks
        from .command import register_panels

        register_task_source("sites.slots", tasks.slots_due)
        register_panels()

        from fangkong.orgs.demo import register_demo

        from .demo import seed_sites

        register_demo(seed_sites)

        from fangkong.notify.topics import register_topic

        from .messages import TOPIC

        register_topic(
            TOPIC,
            _("Missed disinfection or ventilation"),
            recipients=_(
                "The site's liaisons (else the unit admins or epidemic office nearest above)."
            ),
        )
