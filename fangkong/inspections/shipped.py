"""The shipped checklists (seed 003: 各委员先后深入到热力公司各热力点、…小区、集团总值班室、
各单位值班室、各防控检查点，督查各单位的疫情防控总体安排、防控措施以及…命令、公告、协查公告
等的落实情况，关心…一线人员自身防护和生活情况，了解一线防疫物资的发放及缺口), installed by a data
migration and again by tests after a flush. Texts are data (Chinese), as the catalogue's."""

PF, NUM, TEXT = "pass_fail", "number", "text"
SERIOUS, NORMAL, MINOR = "serious", "normal", "minor"

PLAN = "防控总体安排"
MEASURES = "防控措施"
ORDERS = "命令公告协查公告落实情况"
STAFF = "一线人员防护和生活情况"
SUPPLIES = "防疫物资发放及缺口"

# code, section, label, kind, severity, photo on fail, supply item code, minimum
COMMON_HEAD = [
    ("plan", PLAN, "防控工作方案、责任分工明确", PF, NORMAL, False, None, None),
    ("leader-on-site", PLAN, "负责人在岗、靠前指挥", PF, NORMAL, False, None, None),
]
COMMON_TAIL = [
    ("orders-posted", ORDERS, "上级命令、公告已传达并张贴", PF, MINOR, False, None, None),
    ("wanted-notices", ORDERS, "协查公告已落实、排查有记录", PF, NORMAL, False, None, None),
    ("staff-masks", STAFF, "一线人员规范佩戴口罩", PF, SERIOUS, True, None, None),
    ("staff-meals", STAFF, "一线人员就餐、休息有保障", PF, MINOR, False, None, None),
    ("staff-count", STAFF, "在岗一线人员（人）", NUM, NORMAL, False, None, None),
    ("thermometers", SUPPLIES, "体温枪配备充足", PF, NORMAL, True, "thermometer-gun", None),
    ("disinfectant", SUPPLIES, "消毒液储备充足", PF, NORMAL, True, "disinfectant-84", None),
    ("masks", SUPPLIES, "口罩储备满足3天用量", PF, NORMAL, False, "mask-surgical", None),
    ("supply-gap", SUPPLIES, "物资缺口说明", TEXT, NORMAL, False, None, None),
]

CHECKLISTS = {
    "heat-station": (
        "热力站督导检查表",
        ["heat_station"],
        [
            ("disinfection", MEASURES, "每日消毒、通风并有记录", PF, SERIOUS, True, None, None),
            ("entry-temperature", MEASURES, "进站人员测温、登记", PF, SERIOUS, False, None, None),
            (
                "closed-management",
                MEASURES,
                "站区封闭管理、外来人员登记",
                PF,
                NORMAL,
                False,
                None,
                None,
            ),
        ],
    ),
    "community": (
        "居民小区督导检查表",
        ["community"],
        [
            ("gate-temperature", MEASURES, "出入口测温、登记全覆盖", PF, SERIOUS, True, None, None),
            ("public-disinfection", MEASURES, "公共区域每日两次消毒", PF, NORMAL, True, None, None),
            ("visitors", MEASURES, "外来人员、车辆管控", PF, NORMAL, False, None, None),
        ],
    ),
    "duty-room": (
        "值班室督导检查表",
        ["duty_brigade", "office"],
        [
            ("duty-24h", MEASURES, "24小时值班、带班领导在岗", PF, SERIOUS, False, None, None),
            ("duty-log", MEASURES, "值班记录完整", PF, NORMAL, False, None, None),
            (
                "office-disinfection",
                MEASURES,
                "办公区每日两次消毒、开窗通风",
                PF,
                NORMAL,
                True,
                None,
                None,
            ),
        ],
    ),
    "checkpoint": (
        "防控检查点督导检查表",
        ["checkpoint"],
        [
            ("all-checked", MEASURES, "进入人员全部测温", PF, SERIOUS, True, None, None),
            ("check-register", MEASURES, "测温登记表完整", PF, NORMAL, False, None, None),
            ("fever-procedure", MEASURES, "发热人员处置流程已张贴", PF, MINOR, False, None, None),
        ],
    ),
}


def install(Checklist, ChecklistVersion, ChecklistItem, SupplyItem) -> None:
    """Idempotent: a checklist that has a version keeps it."""
    supplies = dict(SupplyItem.objects.values_list("code", "pk"))
    for code, (name, site_kinds, measures) in CHECKLISTS.items():
        checklist, _ = Checklist.objects.update_or_create(
            code=code, defaults={"name": name, "site_kinds": site_kinds}
        )
        if ChecklistVersion.objects.filter(checklist=checklist).exists():
            continue
        version = ChecklistVersion.objects.create(checklist=checklist, number=1, note="")
        rows = COMMON_HEAD + measures + COMMON_TAIL
        for order, (item, section, label, kind, severity, photo, supply, minimum) in enumerate(
            rows
        ):
            ChecklistItem.objects.create(
                version=version,
                code=item,
                section=section,
                label=label,
                kind=kind,
                severity=severity,
                photo_on_fail=photo,
                supply_item_id=supplies.get(supply) if supply else None,
                min_value=minimum,
                order=order * 10,
            )
