from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DonationsConfig(AppConfig):
    name = "fangkong.donations"
    verbose_name = _("Donations")

    def ready(self):
        from fangkong.core.audit import register_object_type
        from fangkong.core.nav import NavItem, register
        from fangkong.core.tasks import register_task_source
        from fangkong.orgs.demo import register_demo
        from fangkong.orgs.services import register_path_copy

        from .command import register_panels
        from .demo import seed_donations
        from .models import Campaign, Gift, GoodsDonation, Remittance
        from .permissions import register_permissions
        from .tasks import gifts_to_enter

        register_permissions()
        for model in (Campaign, Gift, GoodsDonation, Remittance):
            register_path_copy(model, "unit_path")
        register_object_type("donation_gifts", _("personal donation amounts"))
        register_object_type("donation_list", _("donation list (Excel export)"))
        register(
            NavItem(
                _("Donations"),
                "donations:campaign_list",
                icon="gift",
                order=25,
                section="supplies",
            )
        )
        register_task_source("donations.gifts_to_enter", gifts_to_enter)
        register_panels()
        register_demo(seed_donations)
