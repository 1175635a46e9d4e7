from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class TeamsConfig(AppConfig):
    name = "fangkong.teams"
    verbose_name = _("Emergency teams")

    def ready(self):
        from fangkong.core.nav import NavItem, register
        from fangkong.orgs.demo import register_demo
        from fangkong.orgs.services import register_path_copy

        from .command import register_panels
        from .demo import seed_teams
        from .models import Deployment, Team
        from .permissions import register_permissions

        register_permissions()
        register_path_copy(Team, "unit_path")
        register_path_copy(Deployment, "unit_path")
        register_path_copy(Deployment, "team_path")
        register(
            NavItem(
                _("Emergency teams"),
                "teams:team_list",
                icon="person-badge",
                order=28,
                section="sites",
            )
        )
        register_panels()
        register_demo(seed_teams)
