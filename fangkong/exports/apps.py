from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ExportsConfig(AppConfig):
    name = "fangkong.exports"
    verbose_name = _("Exports")

    def ready(self):
        from fangkong.core.audit import register_object_type
        from fangkong.core.nav import NavItem, register
        from fangkong.orgs.demo import register_demo
        from fangkong.reporting.permissions import ReportingPerm

        from .demo import seed_dhis2

        register_object_type("dhis2mapping", _("DHIS2 mapping of a report form"))
        register(
            NavItem(
                _("DHIS2 export"),
                "exports:mapping_list",
                perm=ReportingPerm.MANAGE_FORMS,
                icon="box-arrow-up-right",
                order=81,
                section="reports",
            )
        )
        register_demo(seed_dhis2)
