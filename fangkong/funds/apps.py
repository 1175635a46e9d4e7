from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class FundsConfig(AppConfig):
    name = "fangkong.funds"
    verbose_name = _("Emergency funds")

    def ready(self):
        from fangkong.core.audit import register_detail_key, register_object_type
        from fangkong.core.nav import NavItem, register
        from fangkong.core.tasks import register_task_source
        from fangkong.notify.topics import register_topic
        from fangkong.orgs.demo import register_demo
        from fangkong.orgs.services import register_path_copy

        from . import services
        from .demo import seed_funds
        from .models import Fund, Payment, Proposal
        from .permissions import FundsPerm, register_permissions
        from .tasks import funds_waiting

        register_permissions()
        for model in (Fund, Proposal, Payment):
            register_path_copy(model, "unit_path")
        register_object_type("fund", _("emergency fund"))
        register_object_type("proposal", _("spending proposal"))
        register_object_type("payment", _("fund payment"))
        register_detail_key("period", _("statement period"))
        register(
            NavItem(
                _("Emergency funds"),
                "funds:fund_list",
                perm=FundsPerm.VIEW_FUNDS,
                icon="cash-coin",
                order=24,
                section="supplies",
            )
        )
        register_task_source("funds.waiting", funds_waiting)

        from .command import register_panels

        register_panels()
        register_topic(
            services.TOPIC,
            services.TOPIC_LABEL,
            recipients=_(
                "A proposal at a step: the holders of the step's role on the nearest unit up "
                "the fund's line; returned: its drafter; approved: the epidemic office that "
                "pays and the drafter."
            ),
        )
        register_demo(seed_funds)
