"""Demo teams (seed 003): the group's 20-person emergency team (党员干部、骨干员工), the
response squads of the four key units, and the 50-person youth vanguard (先锋突击队) sent
to the 12 communities of 金源物业 for temperature checks and disinfection since ten days
ago; part of the heat company's squad disinfects the heat stations. Idempotent: made once,
found again by the vanguard's name on a second run."""

from datetime import timedelta

from fangkong.core.fields import subtree_q
from fangkong.orgs.choices import SiteKind
from fangkong.orgs.models import Person, Unit

from . import queries
from .choices import MemberRole, Task, TeamKind
from .models import Team
from .services import create_team, deploy, deploy_to_units

GROUP_TEAM = "集团疫情防控应急队伍"
VANGUARD = "疫情防控先锋突击队"
KEY_UNITS = {
    "CT-JD": "金盾护卫应急处置分队",
    "CT-JY": "金源物业应急处置分队",
    "CT-HEAT": "热力总公司应急处置分队",
    "CT-MO": "金钼实业应急处置分队",
}
SKILLS = ["测温", "消杀", "驾驶", "医护", "宣传", "后勤保障"]


def _people(unit: Unit, exclude: set[int], n: int) -> list[Person]:
    rows = (
        Person.objects.filter(subtree_q("unit_path", unit.path), is_active=True)
        .exclude(pk__in=exclude)
        .order_by("employee_no")
    )
    return list(rows[:n])


def seed_teams(admin, log=print) -> None:
    if Team.objects.filter(name=VANGUARD).exists():
        return
    units = {u.code: u for u in Unit.objects.filter(code__in=["CT", "CT-HQ", *KEY_UNITS])}
    if len(units) < len(KEY_UNITS) + 2:
        return
    used: set[int] = set()
    # The group team: cadres of HQ and of the guard company (the group duty room sits there).
    core = _people(units["CT-HQ"], used, 12) + _people(units["CT-JD"], used, 8)
    used |= {p.pk for p in core}
    create_team(
        actor=admin,
        unit=units["CT"],
        name=GROUP_TEAM,
        kind=TeamKind.EMERGENCY,
        description="集团公司有党员干部、骨干员工参加的20人疫情防控应急队伍。",
        members=[
            (p, MemberRole.LEADER if i == 0 else MemberRole.MEMBER, SKILLS[i % len(SKILLS)])
            for i, p in enumerate(core)
        ],
    )
    squads = {}
    for code, name in KEY_UNITS.items():
        people = _people(units[code], used, 8)
        used |= {p.pk for p in people}
        squads[code] = create_team(
            actor=admin,
            unit=units[code],
            name=name,
            kind=TeamKind.SQUAD,
            description="重点单位应急处置分队，细化人员任务分工。",
            members=[
                (p, MemberRole.LEADER if i == 0 else MemberRole.MEMBER, SKILLS[i % 3])
                for i, p in enumerate(people)
            ],
        )
    # The vanguard: young party and league members from across the group.
    youth = _people(units["CT"], used, 50)
    vanguard = create_team(
        actor=admin,
        unit=units["CT"],
        name=VANGUARD,
        kind=TeamKind.VANGUARD,
        description="以50名青年党团员为骨干，为金源物业管理服务的12个小区充实体温检测、消毒消杀力量。",
        members=[
            (p, MemberRole.LEADER if i == 0 else MemberRole.MEMBER, SKILLS[i % 2])
            for i, p in enumerate(youth)
        ],
    )
    today = units["CT"].local_date()
    communities = queries.sites_below(units["CT-JY"], SiteKind.COMMUNITY)
    deploy_to_units(
        actor=admin,
        team=vanguard,
        units=communities,
        people=youth,
        task=Task.TEMPERATURE,
        starts_on=today - timedelta(days=10),
        ends_on=today + timedelta(days=20),
        hours_per_day=8,
        note="控源盯人：小区出入口体温检测、公共区域消毒消杀",
    )
    heat = squads["CT-HEAT"]
    stations = queries.sites_below(units["CT-HEAT"], SiteKind.HEAT_STATION)[:4]
    members = [m.person for m in queries.list_members(heat)]
    for station, person in zip(stations, members[1:5], strict=False):
        deploy(
            actor=admin,
            team=heat,
            unit=station,
            task=Task.DISINFECTION,
            starts_on=today - timedelta(days=5),
            ends_on=today + timedelta(days=9),
            people=[person],
            hours_per_day=4,
        )
    log(
        f"Teams: the group team ({len(core)}), {len(squads)} squads and the vanguard "
        f"({len(youth)}) at {len(communities)} communities."
    )
