"""Demo data of inspections (seed 003: 各委员先后深入到热力公司各热力点、金源物业管理的小区、金钼
物业金堆城职工小区…存在电子测温枪及消毒物资紧缺的问题): the login `inspector` is assigned to the
four key units (包抓包联) and made three visits in the last days with findings. At the first heat
station, disinfectant short was fixed by the station with a photo and verified by the
office (closed), thermometer guns short raised a supply request; at a Jinyuan community
nobody took temperatures at the gate (serious, due in 24 hours, now overdue: told up the
ladder and in the ledger); at the Jinduicheng community visitors were not registered
(open). The inspector plans the Jinyuan community's re-check today, and so does the
office: its page shows the inspector is there the same day (迎检大战).

Idempotent: nothing is written when the inspector already has visits.
"""

import base64
from datetime import timedelta

from django.contrib.auth import get_user_model
from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone

from fangkong.orgs.models import Unit

from . import services, sweeps
from .models import ChecklistItem, Visit
from .testing import install_checklists

# A 1×1 grey PNG: a stand-in for a photo taken on a phone.
PNG = base64.b64decode(
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAAAAAA6fptVAAAACklEQVR4nGNoAAAAggCBd81ytgAAAABJRU5ErkJggg=="
)


def _photo(name: str) -> ContentFile:
    return ContentFile(PNG, name=name)


def _visit(inspector, unit, *, days_ago: int, fail: dict, now, note: str):
    """A visit `days_ago` days back, every item answered, `fail` {code: what was found}."""
    at = now - timedelta(days=days_ago, hours=2)
    visit = services.plan_visit(actor=inspector, unit=unit, day=unit.local_date(at), now=at)
    for item in ChecklistItem.objects.filter(version_id=visit.checklist_id):
        failed = item.code in fail
        services.record_answer(
            actor=inspector,
            visit=visit,
            item=item,
            result="fail" if failed else "pass",
            number=6,
            text="缺口已登记" if item.kind == "text" else "",
            note=fail.get(item.code, ""),
            photos=[_photo(f"{item.code}.png")] if failed and item.photo_on_fail else (),
            now=at,
        )
    found = services.finish_visit(
        actor=inspector, visit=visit, note=note, now=at + timedelta(hours=1)
    )
    return {r.item_code: r for r in found}, at


@transaction.atomic
def seed_inspections(admin, log=print) -> None:
    User = get_user_model()
    inspector = User.objects.filter(username="inspector").first()
    office = User.objects.filter(username="office").first()
    liaison = User.objects.filter(username="heat-liaison").first()
    units = {u.code: u for u in Unit.objects.filter(code__in=WANTED)}
    if not (inspector and office and liaison) or len(units) < len(WANTED):
        return
    if Visit.objects.filter(inspector=inspector).exists():
        return  # seeded before
    install_checklists()
    now = timezone.now()
    for code in ("CT-HEAT", "CT-JY", "CT-MO", "CT-JD"):
        services.assign_inspector(actor=admin, inspector=inspector, unit=units[code])

    station = units["CT-HEAT-S01"]
    found, at = _visit(
        inspector,
        station,
        days_ago=4,
        fail={
            "thermometers": "全站仅1把体温枪，交接班排队测温",
            "disinfectant": "84消毒液仅剩半瓶",
        },
        now=now,
        note="热力站总体落实到位，体温枪、消毒液紧缺，请热力总公司尽快调配。",
    )
    services.request_supplies(
        actor=liaison, rect=found["thermometers"], quantity=3, now=at + timedelta(hours=2)
    )
    services.report_fix(
        actor=liaison,
        rect=found["disinfectant"],
        note="已从热力总公司领取84消毒液2箱，补足3天用量",
        photos=[_photo("disinfectant-fixed.png")],
        now=at + timedelta(hours=20),
    )
    services.verify_fix(
        actor=office,
        rect=found["disinfectant"],
        accepted=True,
        note="现场复核，库存充足",
        now=at + timedelta(days=1, hours=2),
    )

    _visit(
        inspector,
        units["CT-JY-C01"],
        days_ago=3,
        fail={"gate-temperature": "东门无人值守测温，居民直接出入"},
        now=now,
        note="小区出入口管控不到位，限24小时内整改。",
    )
    _visit(
        inspector,
        units["CT-MO-JDC"],
        days_ago=1,
        fail={"visitors": "外来车辆未登记"},
        now=now,
        note="职工小区防控措施基本落实，外来车辆登记需加强。",
    )
    # The inspector plans the community's re-check (复查) today and the office its own visit
    # of the same community the same day: 迎检大战 shows, whatever the day of the week.
    services.plan_visit(actor=inspector, unit=units["CT-JY-C01"], now=now)
    services.plan_visit(actor=office, unit=units["CT-JY-C01"], now=now)
    told = sweeps.tell_overdue(now)
    log(f"Inspections: 3 visits by inspector, overdue ladder {told}.")


WANTED = ("CT-HEAT", "CT-JY", "CT-MO", "CT-JD", "CT-HEAT-S01", "CT-JY-C01", "CT-MO-JDC")
