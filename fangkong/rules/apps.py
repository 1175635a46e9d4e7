from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RulesConfig(AppConfig):
    name = "fangkong.rules"
    verbose_name = _("Rules and plans")

    def ready(self):
        from fangkong.core.audit import register_object_type
        from fangkong.core.nav import NavItem, register
        from fangkong.core.tasks import register_task_source
        from fangkong.orgs.demo import register_demo
        from fangkong.orgs.services import register_path_copy

        from .demo import seed_rules
        from .models import ContingencyPlan, Drill, ReadConfirmation, Rule
        from .permissions import RulePerm, register_permissions
        from .tasks import rules_to_read

        register_permissions()
        register_path_copy(Rule, "unit_path")
        register_path_copy(ContingencyPlan, "unit_path")
        register_path_copy(Drill, "unit_path")
        register_path_copy(ReadConfirmation, "unit_path")
        register_object_type("rule", _("rule"))
        register_object_type("rule_readers", _("people who have not confirmed reading a rule"))
        register_object_type("contingencyplan", _("contingency plan"))
        register(
            NavItem(
                _("Rules and plans"),
                "rules:rule_list",
                perm=RulePerm.VIEW_RULES,
                icon="journal-text",
                order=32,
                section="command",
            )
        )
        register_task_source("rules.to_read", rules_to_read)
        register_demo(seed_rules)
