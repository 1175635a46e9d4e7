from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OrgsConfig(AppConfig):
    name = "fangkong.orgs"
    verbose_name = _("Organization")

    def ready(self):
        from django.contrib.auth.signals import user_logged_in

        from fangkong.core.scope import register_scope_resolver

        from .middleware import remember_zone

        user_logged_in.connect(remember_zone, dispatch_uid="fangkong.orgs.remember_zone")

        from .access import scopes_for
        from .permissions import register_permissions

        register_permissions()

        from fangkong.core.tasks import register_task_source

        from .tasks import units_without_liaison

        register_task_source("orgs.units_without_liaison", units_without_liaison)
        register_scope_resolver(scopes_for)

        from fangkong.core.audit import register_object_type
        from fangkong.core.nav import NavItem, register

        register_object_type("person", _("person"))
        register_object_type("people_list", _("people list"))
        register_object_type("people", _("people (Excel export)"))
        register_object_type("units", _("units (Excel export)"))

        from fangkong.core.worker import register_sweep

        from .sweeps import refresh_all_head_counts

        register_sweep("orgs.head_counts", refresh_all_head_counts, every=3600)

        for label, name, icon, order in (
            (_("Units"), "orgs:unit_tree", "diagram-3", 10),
            (_("People"), "orgs:people_list", "people", 20),
            (_("Import / export"), "orgs:transfer", "file-earmark-spreadsheet", 30),
        ):
            register(NavItem(label, name, icon=icon, order=order, section="orgs"))
