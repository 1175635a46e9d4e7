"""A synthetic province of any size, for benchmarks: `fangkong seed-demo --units N --people M`.

Shape: one SASAC root (code "SYN"), up to 30 groups ("G07"), each with an HQ ("G07-HQ")
and its departments ("G07-HQ-D01"), and subsidiaries ("G07-S003") with departments
("G07-S003-D01") and sites ("G07-S003-X0012"); large subsidiaries put part of their sites
under a department (a fleet of vehicles, a property branch), so the tree is 2 to 5
levels deep. Exactly N units in all, and M people spread over them by the kind of unit
(a hotel has more staff than a vehicle): employee numbers unique within the group, valid
mobile numbers, about one in five with an ID-card number (keyed hash and masked form
only, as the services store it), one in a hundred off the roster. Every unit with staff
has its first person as liaison. No logins are created: a benchmark makes its own.

Not additive: it refuses to run when a unit with the root code "SYN" exists (drop the
database, or delete that subtree, first). It is a bulk loader, not a service: no audit
entries, and nobody else may write units or people while it runs, because primary keys
are assigned in Python (after the current maximum) so that paths are known before the
rows are inserted. On PostgreSQL the two tables are locked against writers meanwhile.
Everything happens in one transaction: a failure leaves nothing behind.

Speed: units go in with bulk_create; people with COPY on PostgreSQL and one big
`executemany` on SQLite. Then the sequences are moved past the new ids and the tables
are analyzed (and vacuumed on PostgreSQL), so the planner knows their size.
"""

import random
import time
from datetime import date

from django.core.management.base import CommandError
from django.db import connection, transaction

from fangkong.core.pinyin import initials

from .choices import Gender, SiteKind, UnitKind
from .demo import GIVEN, SURNAMES
from .models import Person, Unit
from .validation import hash_id_number, id_check_char, mask_id_number

ROOT_CODE = "SYN"
MAX_GROUPS = 30
ID_FRACTION = 0.2  # people with an ID-card number on file
INACTIVE_FRACTION = 0.01
OPENED = date(2020, 1, 25)
CLOSED = date(2021, 6, 30)

CITIES = "长安 秦川 渭河 汉江 华山 终南 延河 宝鸡 咸阳 榆林 安康 商洛 铜川 汉中 延安 渭南 骊山 太白 黄河 秦岭 泾河 洛河 丹江 米脂 韩城 华阴 兴平 彬州 神木 府谷".split()
INDUSTRIES = "产业投资 文化旅游 产权交易 能源 交通建设 水务 城市建设 医药 有色金属 煤业化工 建材 粮食 电子信息 航空 物流 农业发展 商贸 燃气 环保 金融控股 体育产业 教育 林业 供销 地质矿产 电力 出版传媒 钢铁 机械 纺织".split()
PLACES = "金源 金盾 渭水 东风 朝阳 南塘 杜桥 丰荫 乐天 西岳 信达 华兴 秦东 宏远 瑞丰 鑫泰 恒通 长青 永安 顺达 嘉禾 天和 广厦 博远 新城 兴业 同德 安泰 通源 明珠".split()
HQ_DEPTS = [
    ("办公室", False),
    ("党群工作部", False),
    ("安全环保部（疫情防控办公室）", True),
    ("财务部", False),
    ("投资发展部", False),
    ("人力资源部", False),
    ("审计部", False),
    ("法务部", False),
]
SUB_DEPTS = ["综合办公室", "安全环保部", "财务部", "生产运行部", "人力资源部", "党群工作部"]

# Subsidiary businesses: (name, site kinds with weights, the site kind grouped under a
# department when the subsidiary is large, that department's name).
BUSINESSES = [
    ("热力有限公司", {SiteKind.HEAT_STATION: 4, SiteKind.OFFICE: 1}, SiteKind.VEHICLE, "勤务车队"),
    (
        "物业管理有限公司",
        {SiteKind.COMMUNITY: 5, SiteKind.CHECKPOINT: 1},
        SiteKind.COMMUNITY,
        "物业分公司",
    ),
    (
        "护卫有限公司",
        {SiteKind.DUTY_BRIGADE: 4, SiteKind.OFFICE: 1},
        SiteKind.CHECKPOINT,
        "执勤点管理部",
    ),
    ("酒店管理有限公司", {SiteKind.HOTEL: 3, SiteKind.CANTEEN: 2}, None, ""),
    ("景区运营有限公司", {SiteKind.SCENIC_AREA: 3, SiteKind.CHECKPOINT: 2}, None, ""),
    ("物流有限公司", {SiteKind.WAREHOUSE: 3, SiteKind.OFFICE: 1}, SiteKind.VEHICLE, "运输车队"),
    ("实业有限公司", {SiteKind.OFFICE: 2, SiteKind.WAREHOUSE: 1, SiteKind.CANTEEN: 1}, None, ""),
    (
        "矿业有限公司",
        {SiteKind.OFFICE: 1, SiteKind.CANTEEN: 1, SiteKind.OTHER: 2},
        SiteKind.VEHICLE,
        "矿区车队",
    ),
    ("投资咨询中心", {SiteKind.OFFICE: 1}, None, ""),
]

# Relative head count of a unit by (kind, site kind).
STAFF_WEIGHT = {
    UnitKind.SASAC: 0,
    UnitKind.GROUP: 0.5,
    UnitKind.SUBSIDIARY: 2,
    UnitKind.DEPARTMENT: 8,
    SiteKind.OFFICE: 10,
    SiteKind.HEAT_STATION: 6,
    SiteKind.COMMUNITY: 5,
    SiteKind.VEHICLE: 1,
    SiteKind.CHECKPOINT: 3,
    SiteKind.CANTEEN: 4,
    SiteKind.WAREHOUSE: 3,
    SiteKind.DUTY_BRIGADE: 15,
    SiteKind.SCENIC_AREA: 12,
    SiteKind.HOTEL: 15,
    SiteKind.OTHER: 3,
}
POSITIONS_OFFICE = ["部长", "副部长", "主管", "科员", "科员", "科员"]
POSITIONS_SITE = ["站长", "副站长", "值班员", "运行工", "运行工", "巡检员"]
POSITIONS = {
    SiteKind.VEHICLE: ["驾驶员"],
    SiteKind.DUTY_BRIGADE: ["大队长", "队员", "队员", "队员"],
}
REGIONS = ["610102", "610103", "610112", "610302", "610402", "610502", "610602", "610702"]

PERSON_COLUMNS = (
    "id",
    "group_id",
    "unit_id",
    "unit_path",
    "employee_no",
    "name",
    "gender",
    "phone",
    "id_number_hash",
    "id_number_masked",
    "is_party_member",
    "position",
    "is_active",
)


class _Node:
    __slots__ = (
        "pk",
        "parent",
        "code",
        "name",
        "kind",
        "site_kind",
        "path",
        "depth",
        "group",
        "is_key_unit",
        "hosts_epidemic_office",
        "sort_order",
        "closed",
        "children",
        "liaison_id",
    )

    def __init__(self, pk, parent, code, name, kind, site_kind="", **flags):
        self.pk, self.parent, self.code, self.name = pk, parent, code, name
        self.kind, self.site_kind = kind, site_kind
        self.path = f"{parent.path if parent else '/'}{pk}/"
        self.depth = parent.depth + 1 if parent else 0
        self.group = self if kind == UnitKind.GROUP else (parent.group if parent else self)
        self.is_key_unit = flags.get("is_key_unit", False)
        self.hosts_epidemic_office = flags.get("hosts_epidemic_office", False)
        self.closed = flags.get("closed", False)
        self.children = 0
        self.sort_order = parent.children if parent else 0
        if parent:
            parent.children += 1
        self.liaison_id = None


def _split(total: int, parts: int, rng: random.Random) -> list[int]:
    """`total` cut into `parts` positive, uneven shares that add up exactly."""
    if parts <= 0:
        return []
    weights = [rng.uniform(0.6, 1.4) for _ in range(parts)]
    scale = (total - parts) / sum(weights)
    shares = [1 + int(w * scale) for w in weights]
    short = total - sum(shares)  # < parts: hand them to the largest remainders
    for i in sorted(range(parts), key=lambda i: weights[i] * scale % 1, reverse=True)[:short]:
        shares[i] += 1
    return shares


class _Planner:
    """Lays out exactly `units` nodes, primary keys from `first_pk` in creation order."""

    def __init__(self, units: int, first_pk: int, rng: random.Random):
        self.rng, self.nodes, self.next_pk = rng, [], first_pk
        self.site_names: dict[str, int] = {}
        root = self.add(None, ROOT_CODE, "合成省人民政府国有资产监督管理委员会", UnitKind.SASAC)
        rest = units - 1
        groups = min(MAX_GROUPS, rest, max(1, rest // 12))
        for g, budget in enumerate(_split(rest, groups, rng), start=1):
            self.group(root, g, budget)
        assert len(self.nodes) == units

    def add(self, parent, code, name, kind, site_kind="", **flags) -> _Node:
        node = _Node(self.next_pk, parent, code, name, kind, site_kind, **flags)
        self.next_pk += 1
        self.nodes.append(node)
        return node

    def group(self, root, g: int, budget: int):
        code = f"G{g:02d}"
        name = f"{CITIES[(g - 1) % len(CITIES)]}{INDUSTRIES[(g * 7) % len(INDUSTRIES)]}集团有限公司"
        group = self.add(root, code, name, UnitKind.GROUP)
        left = budget - 1
        if not left:
            return
        hq_size = min(left, 1 + min(len(HQ_DEPTS), left // 12))
        hq = self.add(group, f"{code}-HQ", "集团机关", UnitKind.DEPARTMENT)
        for d, (dept, office) in enumerate(HQ_DEPTS[: hq_size - 1], start=1):
            self.add(
                hq, f"{code}-HQ-D{d:02d}", dept, UnitKind.DEPARTMENT, hosts_epidemic_office=office
            )
        left -= hq_size
        subs = max(1, round(left / 32)) if left else 0
        for s, size in enumerate(_split(left, subs, self.rng), start=1):
            self.subsidiary(group, f"{code}-S{s:03d}", size)

    def subsidiary(self, group, code: str, budget: int):
        rng = self.rng
        business, site_kinds, grouped_kind, grouped_name = rng.choice(BUSINESSES)
        name = f"{rng.choice(PLACES)}{business}"
        sub = self.add(group, code, name, UnitKind.SUBSIDIARY, is_key_unit=rng.random() < 0.3)
        left = budget - 1
        depts = min(left, 2 + rng.randrange(3))
        for d in range(1, depts + 1):
            self.add(
                sub, f"{code}-D{d:02d}", SUB_DEPTS[(d - 1) % len(SUB_DEPTS)], UnitKind.DEPARTMENT
            )
        sites = left - depts
        holder, held = None, 0
        if grouped_kind and sites >= 16:
            holder = self.add(sub, f"{code}-D{depts + 1:02d}", grouped_name, UnitKind.DEPARTMENT)
            sites -= 1
            held = sites * 2 // 5
        kinds, weights = list(site_kinds), list(site_kinds.values())
        for x in range(1, sites + 1):
            if x <= held:
                parent, kind = holder, grouped_kind
            else:
                parent, kind = sub, rng.choices(kinds, weights)[0]
            self.add(
                parent,
                f"{code}-X{x:04d}",
                self.site_name(kind),
                UnitKind.SITE,
                kind,
                closed=rng.random() < 0.005,
            )

    def site_name(self, kind) -> str:
        n = self.site_names[kind] = self.site_names.get(kind, 0) + 1
        word = PLACES[n % len(PLACES)]
        return {
            SiteKind.HEAT_STATION: f"第{n}热力站",
            SiteKind.COMMUNITY: f"{word}{('小区', '花园', '家园', '苑')[n % 4]}{n}期",
            SiteKind.VEHICLE: f"勤务车 陕{'ABCDEFGHJK'[n % 10]}·{n % 100000:05d}",
            SiteKind.CHECKPOINT: f"{n}号检查点",
            SiteKind.CANTEEN: f"第{n}职工食堂",
            SiteKind.WAREHOUSE: f"{n}号物资仓库",
            SiteKind.DUTY_BRIGADE: f"执勤{n}大队",
            SiteKind.SCENIC_AREA: f"{word}景区{n}号入口",
            SiteKind.HOTEL: f"{word}酒店{n}号楼",
            SiteKind.OFFICE: f"{word}办公区{n}",
        }.get(kind, f"其他场所{n}")


def _head_counts(nodes: list[_Node], people: int, rng: random.Random) -> list[int]:
    """`people` spread over `nodes` by staff weight (with some noise), adding up exactly."""
    weights = [STAFF_WEIGHT[n.site_kind or n.kind] * rng.uniform(0.5, 1.5) for n in nodes]
    total = sum(weights)
    if not total:  # a province of a root alone: everyone works there
        weights, total = [1.0] * len(nodes), float(len(nodes))
    counts, running, before = [], 0.0, 0
    for w in weights:
        running += w
        upto = round(people * running / total)
        counts.append(upto - before)
        before = upto
    counts[-1] += people - before
    return counts


def _people_rows(nodes: list[_Node], counts: list[int], first_pk: int, rng: random.Random):
    """Person rows (PERSON_COLUMNS order), unit by unit in path order, so the indexes on
    unit_path and (group, employee_no) grow at their end. Sets each node's liaison."""
    names = [s + g for s in SURNAMES for g in GIVEN]
    names += [s + g + h for s in SURNAMES for g, h in zip(GIVEN, reversed(GIVEN), strict=True)]
    genders, prefixes = Gender.values, "13 15 17 18 19".split()
    pk, serial = first_pk, {}
    birth_base = date(1962, 1, 1).toordinal()
    random_, getrandbits = rng.random, rng.getrandbits
    for node, count in sorted(zip(nodes, counts, strict=True), key=lambda nc: nc[0].path):
        if not count:
            continue
        group = node.group
        positions = POSITIONS.get(node.site_kind) or (
            POSITIONS_SITE if node.kind == UnitKind.SITE else POSITIONS_OFFICE
        )
        node.liaison_id = pk
        number = serial.get(group.pk, 0)
        for name in rng.choices(names, k=count):
            number += 1
            if random_() < ID_FRACTION:
                # Unique by construction: the birth date and sequence come from the pk.
                born = date.fromordinal(birth_base + (pk // 1000) % 14000)
                body = f"{REGIONS[pk % len(REGIONS)]}{born:%Y%m%d}{pk % 1000:03d}"
                id_number = body + id_check_char(body)
                id_hash, id_masked = hash_id_number(id_number), mask_id_number(id_number)
            else:
                id_hash = id_masked = ""
            bits = getrandbits(40)
            yield (
                pk,
                group.pk,
                node.pk,
                node.path,
                f"{group.code}{number:06d}",
                name,
                genders[bits & 1],
                f"{prefixes[pk % 5]}{(bits >> 8) % 1000000000:09d}",
                id_hash,
                id_masked,
                (bits >> 1) % 10 < 3,
                positions[number % len(positions)],
                random_() >= INACTIVE_FRACTION,
            )
            pk += 1
        serial[group.pk] = number


def _insert_people_postgresql(rows) -> None:
    raw = connection.connection
    columns = ", ".join(PERSON_COLUMNS)
    with raw.cursor() as cursor:
        with cursor.copy(f"COPY orgs_person ({columns}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row(row)


def _insert_people_sqlite(rows) -> None:
    columns = ", ".join(PERSON_COLUMNS)
    marks = ", ".join("?" * len(PERSON_COLUMNS))
    connection.connection.executemany(
        f"INSERT INTO orgs_person ({columns}, user_id) VALUES ({marks}, NULL)", rows
    )


def seed_synthetic(units: int, people: int, *, seed: int = 1, log=print) -> dict:
    """Build the synthetic province: exactly `units` units and `people` people.

    Deterministic for a given `seed` (and starting ids). Returns the figures it logs.
    """
    if units < 1 or people < 0:
        raise CommandError("--units must be at least 1 and --people at least 0.")
    vendor = connection.vendor
    if vendor not in ("postgresql", "sqlite"):
        raise CommandError(f"The synthetic province needs SQLite or PostgreSQL, not {vendor}.")
    rng = random.Random(seed)
    started = time.perf_counter()
    connection.ensure_connection()
    if vendor == "sqlite":
        # A big page cache keeps the index inserts in memory until the commit.
        with connection.cursor() as cursor:
            cursor.execute("PRAGMA cache_size")
            cache_size = cursor.fetchone()[0]
            cursor.execute("PRAGMA cache_size = -524288")  # 512 MB
    with transaction.atomic():
        if vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("LOCK TABLE orgs_unit, orgs_person IN SHARE ROW EXCLUSIVE MODE")
        if Unit.objects.filter(code=ROOT_CODE).exists():
            raise CommandError(
                f"A synthetic province (root unit {ROOT_CODE}) is already in this database; "
                "seed a fresh database, or delete that subtree first."
            )
        first_unit = (Unit.objects.order_by("-pk").values_list("pk", flat=True).first() or 0) + 1
        first_person = (
            Person.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
        ) + 1
        plan = _Planner(units, first_unit, rng)
        codes = [n.code for n in plan.nodes]
        for i in range(0, len(codes), 500):
            clash = Unit.objects.filter(code__in=codes[i : i + 500]).values_list("code", flat=True)
            if clash:
                raise CommandError(f"Unit codes already in use: {', '.join(clash[:5])}…")
        counts = _head_counts(plan.nodes, people, rng)
        rows = _people_rows(plan.nodes, counts, first_person, rng)
        # Liaisons are known only once the rows are generated: people first, in one
        # transaction with the units (foreign keys are checked at commit).
        t0 = time.perf_counter()
        if vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("SET CONSTRAINTS ALL DEFERRED")
            _insert_people_postgresql(rows)
        else:
            _insert_people_sqlite(rows)
        t_people = time.perf_counter() - t0
        t0 = time.perf_counter()
        Unit.objects.bulk_create(
            [
                Unit(
                    pk=n.pk,
                    parent_id=n.parent.pk if n.parent else None,
                    code=n.code,
                    name=n.name,
                    initials=initials(n.name)[:100],
                    kind=n.kind,
                    site_kind=n.site_kind,
                    path=n.path,
                    depth=n.depth,
                    is_key_unit=n.is_key_unit,
                    hosts_epidemic_office=n.hosts_epidemic_office,
                    sort_order=n.sort_order,
                    active_from=OPENED,
                    active_to=CLOSED if n.closed else None,
                    liaison_id=n.liaison_id,
                )
                for n in plan.nodes
            ],
            batch_size=2000,
        )
        t_units = time.perf_counter() - t0
        if vendor == "postgresql":
            with connection.cursor() as cursor:
                for table in ("orgs_unit", "orgs_person"):
                    cursor.execute(
                        f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                        f"(SELECT max(id) FROM {table}))"
                    )
        t0 = time.perf_counter()
    t_commit = time.perf_counter() - t0
    from .services import refresh_head_counts

    refresh_head_counts()  # people went in with COPY, behind the services' back
    t0 = time.perf_counter()
    with connection.cursor() as cursor:
        if vendor == "postgresql":
            # VACUUM also sets the visibility map, so counts can be index-only scans
            # (it cannot run inside a transaction: then ANALYZE alone).
            vacuum = "ANALYZE" if connection.in_atomic_block else "VACUUM ANALYZE"
            cursor.execute(f"{vacuum} orgs_unit, orgs_person")
        else:
            cursor.execute("ANALYZE orgs_unit")
            cursor.execute("ANALYZE orgs_person")
            cursor.execute("PRAGMA wal_checkpoint(TRUNCATE)")
            cursor.execute(f"PRAGMA cache_size = {int(cache_size)}")
    t_analyze = time.perf_counter() - t0
    elapsed = time.perf_counter() - started
    depth = max(n.depth for n in plan.nodes)
    groups = sum(1 for n in plan.nodes if n.kind == UnitKind.GROUP)
    log(
        f"Synthetic province {ROOT_CODE} on {vendor}: {units} units ({groups} groups, "
        f"depth up to {depth}) and {people} people in {elapsed:.1f} s "
        f"(people {t_people:.1f} s, units {t_units:.1f} s, commit {t_commit:.1f} s, "
        f"analyze {t_analyze:.1f} s)."
    )
    return {"units": units, "people": people, "seconds": elapsed, "root": ROOT_CODE}
