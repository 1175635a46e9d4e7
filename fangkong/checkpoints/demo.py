"""Demo checkpoints (seed 003: 热力总公司各热力站、金盾护卫各执勤大队、金源物业管理服务的居民小区
设立检查点): a checkpoint at the door of each of the 13 heat stations, at the gate of each of
the 12 communities (where the vanguard serves, shown on the shifts), at the four duty
brigades, and the 金堆城 checkpoint site; the counts of the last two days' shifts and of
today's shifts so far, and one fever found: a resident at a community gate this morning,
filed as an incident with its 30-minute clock. Idempotent: made once, found again by the
first checkpoint's code on a second run."""

import random
from datetime import timedelta

from fangkong.core.fields import subtree_q
from fangkong.orgs.choices import SiteKind
from fangkong.orgs.models import Person, Unit

from . import queries
from .choices import Passer, Slot
from .models import Checkpoint
from .services import Found, create_checkpoint, record_counts

FIRST = "CK-CT-HEAT-S01"
NAMES = {
    SiteKind.HEAT_STATION: "门岗检查点",
    SiteKind.COMMUNITY: "小区大门检查点",
    SiteKind.DUTY_BRIGADE: "营区入口检查点",
}
FEVER_AT = "CK-CT-JY-C03"


def _joined(site_name: str, suffix: str) -> str:
    """The site's name and the kind's suffix without saying a word twice: 某某小区 +
    小区大门检查点 is 某某小区大门检查点, not 某某小区小区大门检查点."""
    for n in range(min(len(site_name), len(suffix)), 0, -1):
        if site_name.endswith(suffix[:n]):
            return site_name + suffix[n:]
    return site_name + suffix


def seed_checkpoints(admin, log=print) -> None:
    if Checkpoint.objects.filter(code=FIRST).exists():
        return
    ct = Unit.objects.filter(code="CT").first()
    if ct is None:
        return
    sites = Unit.objects.filter(
        subtree_q("path", ct.path), site_kind__in=[*NAMES, SiteKind.CHECKPOINT]
    ).order_by("code")
    made = []
    for site in sites:
        name = NAMES.get(site.site_kind)
        made.append(
            create_checkpoint(
                actor=admin,
                unit=site,
                code=f"CK-{site.code}",
                name=_joined(site.name, name) if name else site.name,
            )
        )
    fever = None
    for checkpoint in made:
        now_day, now_slot = queries.current_shift(checkpoint.unit)
        slots = list(Slot.values)
        staff = list(
            Person.objects.filter(unit=checkpoint.unit, is_active=True).order_by("employee_no")[:2]
        )
        for back in (2, 1, 0):
            day = now_day - timedelta(days=back)
            for slot in slots[: slots.index(now_slot) + 1] if back == 0 else slots:
                rng = random.Random(f"{checkpoint.code}:{day}:{slot}")
                big = checkpoint.unit.site_kind == SiteKind.COMMUNITY
                staff_n = rng.randint(3, 12)
                residents = rng.randint(150, 600) if big and slot != Slot.NIGHT else 0
                visitors = rng.randint(0, 30 if big else 4)
                if slot == Slot.NIGHT:
                    residents, visitors = rng.randint(10, 60) if big else 0, rng.randint(0, 3)
                found = []
                if checkpoint.code == FEVER_AT and back == 0 and slot == now_slot and fever is None:
                    found = [
                        Found(
                            passer=Passer.RESIDENT,
                            temperature="38.1",
                            note="复测 38.1 °C，已劝返居家，通知社区卫生服务站",
                        )
                    ]
                shift, added = record_counts(
                    actor=admin,
                    checkpoint=checkpoint,
                    day=day,
                    slot=slot,
                    counts={
                        "checked": staff_n + residents + visitors,
                        "staff": staff_n,
                        "residents": residents,
                        "visitors": visitors,
                        "turned_away": rng.randint(0, 3) if visitors else 0,
                    },
                    found=found,
                    on_duty=staff,
                    volunteers=["社区志愿者"] if big else [],
                )
                fever = fever or (added[0] if added else None)
    log(
        f"Checkpoints: {len(made)} set up with their shifts' counts"
        + (f", one fever found at {FEVER_AT}." if fever else ".")
    )
