"""The demo province, modeled on the seeds (names fictional): a provincial SASAC and
three groups shaped like the groups of seeds 003, 000 and 004.

Idempotent: units are found by code, people by employee number, users by username;
running it twice changes nothing.
"""

import random
from datetime import date

from django.contrib.auth import get_user_model
from django.db import transaction

from . import services
from .choices import Gender, Role, SiteKind, UnitKind
from .models import FamilyMember, Person, RoleAssignment, Unit
from .validation import id_check_char

DEMO_PASSWORD = "fangkong-demo"

SURNAMES = "王李张刘陈杨赵黄周吴徐孙胡朱高林何郭马罗梁宋郑谢韩唐冯于董萧程曹袁邓许傅沈曾彭吕苏卢蒋蔡贾丁魏薛叶阎余潘杜戴夏钟汪田任姜范方石姚谭廖邹熊金陆郝孔白崔康毛邱秦江史顾侯邵孟龙万段雷钱汤尹黎易常武乔贺赖龚文"
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉兰萍红鹏辉建国宁波斌宇浩凯健俊帆帅旭晨欣怡佳琪梦雪婷倩颖璐晶莉燕飞鑫博文轩睿哲嘉"
POSITIONS_OFFICE = ["部长", "副部长", "主管", "科员", "科员"]
POSITIONS_SITE = ["站长", "副站长", "值班员", "运行工", "运行工", "巡检员"]
RELATIONS = ["配偶", "子女", "父亲", "母亲"]


def _units_spec():
    """(code, name, kind, site_kind, parent_code, flags) in creation order."""
    spec = [
        ("SASAC", "某省人民政府国有资产监督管理委员会", UnitKind.SASAC, "", None, {}),
        (
            "SASAC-DUTY",
            "省国资委应急值班室",
            UnitKind.DEPARTMENT,
            "",
            "SASAC",
            {"hosts_epidemic_office": True},
        ),
        # Seed 003: an industrial-investment group.
        ("CT", "某市产业投资集团有限公司", UnitKind.GROUP, "", "SASAC", {}),
        ("CT-HQ", "集团机关", UnitKind.DEPARTMENT, "", "CT", {}),
        ("CT-OFFICE", "办公室", UnitKind.DEPARTMENT, "", "CT-HQ", {}),
        ("CT-PARTY", "党群工作部", UnitKind.DEPARTMENT, "", "CT-HQ", {}),
        (
            "CT-SAFETY",
            "安全环保部（疫情防控办公室）",
            UnitKind.DEPARTMENT,
            "",
            "CT-HQ",
            {"hosts_epidemic_office": True},
        ),
        ("CT-FIN", "财务部", UnitKind.DEPARTMENT, "", "CT-HQ", {}),
        ("CT-INV", "投资发展部", UnitKind.DEPARTMENT, "", "CT-HQ", {}),
        ("CT-JD", "金盾护卫有限公司", UnitKind.SUBSIDIARY, "", "CT", {"is_key_unit": True}),
        ("CT-JD-DUTY", "集团总值班室（金盾护卫）", UnitKind.SITE, SiteKind.OFFICE, "CT-JD", {}),
    ]
    for i, name in enumerate(["一", "二", "三", "四"], start=1):
        spec.append(
            (f"CT-JD-B{i}", f"执勤{name}大队", UnitKind.SITE, SiteKind.DUTY_BRIGADE, "CT-JD", {})
        )
    spec.append(
        ("CT-JY", "金源物业管理有限公司", UnitKind.SUBSIDIARY, "", "CT", {"is_key_unit": True})
    )
    communities = [
        "金源花园",
        "渭水苑",
        "东风小区",
        "朝阳小区",
        "南塘小区",
        "杜桥小区",
        "丰荫小区",
        "乐天小区",
        "西岳小区",
        "信达小区",
        "华山小区",
        "秦东小区",
    ]
    for i, name in enumerate(communities, start=1):
        spec.append((f"CT-JY-C{i:02d}", name, UnitKind.SITE, SiteKind.COMMUNITY, "CT-JY", {}))
    spec += [
        ("CT-HEAT", "热力总公司", UnitKind.SUBSIDIARY, "", "CT", {"is_key_unit": True}),
        ("CT-HEAT-OFFICE", "热力总公司综合办公室", UnitKind.SITE, SiteKind.OFFICE, "CT-HEAT", {}),
    ]
    for i in range(1, 14):
        spec.append(
            (
                f"CT-HEAT-S{i:02d}",
                f"第{i}热力站",
                UnitKind.SITE,
                SiteKind.HEAT_STATION,
                "CT-HEAT",
                {},
            )
        )
    spec.append(("CT-HEAT-FLEET", "勤务车队", UnitKind.DEPARTMENT, "", "CT-HEAT", {}))
    for i in range(1, 101):
        spec.append(
            (
                f"CT-HEAT-V{i:03d}",
                f"勤务车 陕E·R{1000 + i}",
                UnitKind.SITE,
                SiteKind.VEHICLE,
                "CT-HEAT-FLEET",
                {},
            )
        )
    spec += [
        ("CT-MO", "金钼实业有限公司", UnitKind.SUBSIDIARY, "", "CT", {"is_key_unit": True}),
        ("CT-MO-OFFICE", "综合部", UnitKind.DEPARTMENT, "", "CT-MO", {}),
        ("CT-MO-PROP", "金钼物业渭南分公司", UnitKind.DEPARTMENT, "", "CT-MO", {}),
        ("CT-MO-JDC", "金堆城职工小区", UnitKind.SITE, SiteKind.COMMUNITY, "CT-MO-PROP", {}),
        ("CT-MO-CHECK", "金堆城小区检查点", UnitKind.SITE, SiteKind.CHECKPOINT, "CT-MO-PROP", {}),
        ("CT-ZX", "投资咨询中心", UnitKind.SUBSIDIARY, "", "CT", {}),
        # Seed 000: a cultural-tourism group.
        ("WL", "某省文化旅游投资集团有限公司", UnitKind.GROUP, "", "SASAC", {}),
        ("WL-HQ", "集团各部室", UnitKind.DEPARTMENT, "", "WL", {}),
        ("WL-OFFICE", "党委办公室", UnitKind.DEPARTMENT, "", "WL-HQ", {}),
        (
            "WL-SAFETY",
            "安全生产部（疫情防控办公室）",
            UnitKind.DEPARTMENT,
            "",
            "WL-HQ",
            {"hosts_epidemic_office": True},
        ),
        ("WL-HOTEL", "文旅酒店管理有限公司", UnitKind.SUBSIDIARY, "", "WL", {"is_key_unit": True}),
        ("WL-HOTEL-H1", "迎宾酒店", UnitKind.SITE, SiteKind.HOTEL, "WL-HOTEL", {}),
        ("WL-HOTEL-H2", "汾河酒店", UnitKind.SITE, SiteKind.HOTEL, "WL-HOTEL", {}),
        ("WL-HOTEL-CANTEEN", "员工食堂", UnitKind.SITE, SiteKind.CANTEEN, "WL-HOTEL", {}),
        ("WL-SCENIC", "景区运营管理有限公司", UnitKind.SUBSIDIARY, "", "WL", {"is_key_unit": True}),
        ("WL-SCENIC-A1", "古城景区", UnitKind.SITE, SiteKind.SCENIC_AREA, "WL-SCENIC", {}),
        ("WL-SCENIC-A2", "云山景区", UnitKind.SITE, SiteKind.SCENIC_AREA, "WL-SCENIC", {}),
        ("WL-SCENIC-GATE", "景区入口检查点", UnitKind.SITE, SiteKind.CHECKPOINT, "WL-SCENIC", {}),
        ("WL-TRAVEL", "文旅国际旅行社", UnitKind.SUBSIDIARY, "", "WL", {}),
        # Seed 004: a property-rights exchange group.
        ("CQ", "某省产权交易集团有限公司", UnitKind.GROUP, "", "SASAC", {}),
        ("CQ-HQ", "集团本部", UnitKind.DEPARTMENT, "", "CQ", {}),
        (
            "CQ-OFFICE",
            "综合办公室（应急处置领导小组办公室）",
            UnitKind.DEPARTMENT,
            "",
            "CQ-HQ",
            {"hosts_epidemic_office": True},
        ),
        ("CQ-RISK", "风险控制部", UnitKind.DEPARTMENT, "", "CQ-HQ", {}),
        ("CQ-EXCH", "产权交易中心", UnitKind.SUBSIDIARY, "", "CQ", {}),
        ("CQ-AUCTION", "拍卖有限公司", UnitKind.SUBSIDIARY, "", "CQ", {}),
        ("CQ-HALL", "交易大厅", UnitKind.SITE, SiteKind.OFFICE, "CQ-EXCH", {}),
        # Seed 003 counts "集团机关及12个所属公司": the seed-003 group's other seven
        # subsidiaries, listed last so that the people drawn for the units above stay the same.
        ("CT-JS", "城市建设投资有限公司", UnitKind.SUBSIDIARY, "", "CT", {}),
        ("CT-GAS", "城市燃气有限公司", UnitKind.SUBSIDIARY, "", "CT", {}),
        ("CT-WATER", "水务集团有限公司", UnitKind.SUBSIDIARY, "", "CT", {}),
        ("CT-FINC", "金融控股有限公司", UnitKind.SUBSIDIARY, "", "CT", {}),
        ("CT-LOG", "现代物流有限公司", UnitKind.SUBSIDIARY, "", "CT", {}),
        ("CT-TOUR", "文化旅游开发有限公司", UnitKind.SUBSIDIARY, "", "CT", {}),
        ("CT-NE", "新能源发展有限公司", UnitKind.SUBSIDIARY, "", "CT", {}),
        # Seed 004 (分时、分流、分开): the HQ's staff canteen, whose lunch the canteens app plans.
        ("CT-HQ-CANTEEN", "集团机关职工食堂", UnitKind.SITE, SiteKind.CANTEEN, "CT-HQ", {}),
        # Seed 004 (办公楼每日三消毒): the HQ's office building, an office site whose own
        # schedule (sites' demo) disinfects three times a day.
        ("CT-HQ-BLDG", "集团机关办公楼", UnitKind.SITE, SiteKind.OFFICE, "CT-HQ", {}),
    ]
    return spec


LOGINS = [
    # username, description, role, unit code, person unit (login linked to a new person)
    ("admin", "系统管理员（全省）", Role.SYSTEM_ADMIN, "SASAC", None),
    ("sasac", "省国资委应急值班室（全省）", Role.OFFICE, "SASAC", "SASAC-DUTY"),
    ("group-admin", "产投集团管理员", Role.UNIT_ADMIN, "CT", "CT-OFFICE"),
    ("office", "产投集团疫情防控办公室", Role.OFFICE, "CT", "CT-SAFETY"),
    ("party-secretary", "产投集团党委书记", Role.PARTY_COMMITTEE, "CT", "CT-PARTY"),
    ("heat-liaison", "第1热力站联络员", Role.LIAISON, "CT-HEAT-S01", "CT-HEAT-S01"),
    ("inspector", "包抓包联委员（产投集团重点单位）", Role.INSPECTOR, None, "CT-HQ"),
    ("other-admin", "文旅集团管理员", Role.UNIT_ADMIN, "WL", "WL-OFFICE"),
]


# Later capabilities add their demo data here (reporting history, …): fn(admin, log).
DEMO_EXTENSIONS = []


def register_demo(extension) -> None:
    if extension not in DEMO_EXTENSIONS:
        DEMO_EXTENSIONS.append(extension)


class _People:
    """Deterministic fictional names, phones and valid ID numbers."""

    def __init__(self, seed=2020):
        self.rng = random.Random(seed)

    def name(self):
        return self.rng.choice(SURNAMES) + "".join(
            self.rng.choice(GIVEN) for _ in range(self.rng.choice((1, 2)))
        )

    def phone(self):
        return f"1{self.rng.choice('3578')}{self.rng.randrange(10**9):09d}"

    def id_number(self, region="610502"):
        born = date(
            1960 + self.rng.randrange(40), 1 + self.rng.randrange(12), 1 + self.rng.randrange(28)
        )
        body = f"{region}{born:%Y%m%d}{self.rng.randrange(1000):03d}"
        return body + id_check_char(body)


@transaction.atomic
def seed_demo(log=print) -> dict:
    User = get_user_model()
    admin, _ = User.objects.get_or_create(
        username="admin",
        defaults={"is_superuser": True, "is_staff": True, "first_name": "系统管理员"},
    )
    if not admin.password:
        admin.set_password(DEMO_PASSWORD)
        admin.save()
    units = {u.code: u for u in Unit.objects.filter(code__in=[s[0] for s in _units_spec()])}
    created_units = 0
    for code, name, kind, site_kind, parent_code, flags in _units_spec():
        if code in units:
            continue
        units[code] = services.create_unit(
            actor=admin,
            parent=units[parent_code] if parent_code else None,
            code=code,
            name=name,
            kind=kind,
            site_kind=site_kind,
            active_from=date(2020, 1, 25),
            **flags,
        )
        created_units += 1

    gen = _People()
    created_people = 0
    groups = services.groups_for(units.values())
    counters: dict[int, int] = {}
    for code, _name, kind, site_kind, _parent, _flags in _units_spec():
        unit = units[code]
        if kind in (UnitKind.SASAC, UnitKind.GROUP):
            continue
        size = {
            SiteKind.VEHICLE: 1,
            SiteKind.HEAT_STATION: 5,
            SiteKind.DUTY_BRIGADE: 8,
            SiteKind.COMMUNITY: 4,
        }.get(site_kind, 4)
        positions = POSITIONS_SITE if kind == UnitKind.SITE else POSITIONS_OFFICE
        if site_kind == SiteKind.VEHICLE:
            positions = ["驾驶员"]
        group = groups[unit.pk]
        first = None
        for i in range(size):
            counters[group.pk] = counters.get(group.pk, 0) + 1
            employee_no = f"{group.code}{counters[group.pk]:05d}"
            # Draw every value even for existing people, so reruns stay deterministic.
            data = dict(
                name=gen.name(),
                gender=gen.rng.choice(Gender.values),
                phone=gen.phone(),
                id_number=gen.id_number(),
                is_party_member=gen.rng.random() < 0.3,
                position=positions[i % len(positions)],
            )
            family = [
                {"name": gen.name(), "relation": gen.rng.choice(RELATIONS), "phone": gen.phone()}
                for _ in range(gen.rng.choice((0, 1, 1, 2)))
            ]
            person = Person.objects.filter(group=group, employee_no=employee_no).first()
            if person is None:
                person = services.create_person(
                    actor=admin, unit=unit, employee_no=employee_no, family=family, **data
                )
                created_people += 1
            first = first or person
        if unit.liaison_id is None and first is not None:
            Unit.objects.filter(pk=unit.pk).update(liaison=first)
            unit.liaison = first

    logins = []
    for username, description, role, unit_code, person_unit in LOGINS:
        user, created = User.objects.get_or_create(username=username)
        if not user.password:
            user.set_password(DEMO_PASSWORD)
        user.first_name = description
        user.save()
        if person_unit and not Person.objects.filter(user=user).exists():
            unit = units[person_unit]
            person = unit.liaison if username == "heat-liaison" else None
            if person is None or person.user_id:
                group = groups[unit.pk]
                counters[group.pk] = counters.get(group.pk, 0) + 1
                person = services.create_person(
                    actor=admin,
                    unit=unit,
                    employee_no=f"{group.code}-U-{username}",
                    name=gen.name(),
                    phone=gen.phone(),
                    position="联络员" if role == Role.LIAISON else "干部",
                )
            Person.objects.filter(pk=person.pk).update(user=user)
        targets = [unit_code] if unit_code else [c for c in ("CT-JD", "CT-JY", "CT-HEAT", "CT-MO")]
        for code in targets:
            RoleAssignment.objects.get_or_create(user=user, unit=units[code], role=role)
        logins.append((username, description))
    # The seed-003 group's leading group: its head and the office hold the leading-group role.
    for username in ("group-admin", "office"):
        RoleAssignment.objects.get_or_create(
            user=User.objects.get(username=username), unit=units["CT"], role=Role.LEADING_GROUP
        )
    from .services import refresh_head_counts

    refresh_head_counts()
    for extension in DEMO_EXTENSIONS:
        extension(admin, log)
    log(
        f"Demo province: {created_units} units and {created_people} people created "
        f"({Unit.objects.count()} units, {Person.objects.count()} people, "
        f"{FamilyMember.objects.count()} family members in all)."
    )
    return {"logins": logins, "password": DEMO_PASSWORD}
