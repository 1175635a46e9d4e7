"""Demo return to work (seed 004: 复工复产, staff information first): plans of the seed-003
group's subsidiaries, phased by site for the heat company; most approved by the group
(restart days in the past), one filed and waiting for the group's decision, one returned
for changes, one told to wait (the tourism company), one not yet drafted. Idempotent."""

from datetime import timedelta

from django.core.files.base import ContentFile
from django.utils import timezone

from fangkong.orgs.choices import UnitKind
from fangkong.orgs.models import Unit

from .choices import Decision, Industry, Item
from .models import PlanEvent, RestartPlan
from .services import confirm_item, decide_plan, file_plan, save_plan

INDUSTRY = {
    "CT-JD": Industry.SECURITY,
    "CT-JY": Industry.PROPERTY,
    "CT-HEAT": Industry.UTILITIES,
    "CT-MO": Industry.MANUFACTURING,
    "CT-ZX": Industry.OFFICE,
    "CT-JS": Industry.CONSTRUCTION,
    "CT-GAS": Industry.UTILITIES,
    "CT-WATER": Industry.UTILITIES,
    "CT-FINC": Industry.FINANCE,
    "CT-LOG": Industry.LOGISTICS,
    "CT-TOUR": Industry.TOURISM,
    "CT-NE": Industry.MANUFACTURING,
}
FILED = "CT-LOG"
RETURNED = "CT-JS"
WAIT = "CT-TOUR"
NONE = "CT-NE"


def seed_restart(admin, log=print) -> None:
    if RestartPlan.objects.filter(unit__code="CT-JD").exists():
        return
    today = timezone.localdate()
    units = Unit.objects.filter(code__in=INDUSTRY, kind=UnitKind.SUBSIDIARY).order_by("path")
    made = 0
    for i, unit in enumerate(units):
        if unit.code == NONE:
            continue
        phases = []
        if unit.code == "CT-HEAT":
            sites = list(Unit.objects.filter(parent=unit, kind=UnitKind.SITE).order_by("code")[:3])
            phases = [
                {"site": s, "starts_on": today - timedelta(days=10 - 2 * k), "people": 5}
                for k, s in enumerate(sites)
            ]
        plan = save_plan(
            actor=admin, unit=unit, industry=INDUSTRY[unit.code],
            restart_on=today - timedelta(days=7 - i % 5), returning=unit.head_count or 4,
            note="先行采集员工信息，分批错峰返岗。", phases=phases,
        )  # fmt: skip
        for item, name in ((Item.COMMITMENT, "承诺书.pdf"), (Item.PREVENTION_PLAN, "防控方案.pdf")):
            confirm_item(actor=admin, plan=plan, item=item,
                         file=ContentFile(b"%PDF-1.4\n% demo\n", name=name))  # fmt: skip
        file_plan(actor=admin, plan=plan)
        made += 1
        if unit.code == FILED:
            continue
        decision, note = Decision.APPROVE, "同意复工，严格落实防控措施。"
        if unit.code == RETURNED:
            decision, note = Decision.RETURN, "请补充施工现场分班作业安排。"
        elif unit.code == WAIT:
            decision, note = Decision.WAIT, "景区暂缓开放，待省上通知。"
        decide_plan(actor=admin, plan=plan, decision=decision, note=note)
        # As if filed and decided the day before the restart, so the rate as of a past day
        # has its history.
        when = timezone.now() - timedelta(days=(today - plan.restart_on).days + 1)
        PlanEvent.objects.filter(plan=plan).update(at=when)
    log(f"Return to work: {made} plans of the group's subsidiaries, most approved.")
