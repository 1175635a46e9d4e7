"""The forms Fangkong ships (installed by a data migration): the group statistics form of
the seeds, and the short form of the SASAC duty room — levels ask for different forms."""

# code, label, kind, unit of measure, rollup, 0 in a zero report, required
DAILY_FIELDS = [
    ("confirmed", "确诊病例", "count", "人", "sum", True, True),
    ("suspected", "疑似病例", "count", "人", "sum", True, True),
    ("close_contacts", "密切接触者", "count", "人", "sum", True, True),
    ("under_observation", "医学观察（留观）人数", "count", "人", "sum", True, True),
    ("fever_today", "今日发热人数", "count", "人", "sum", True, True),
    ("returned_from_risk", "从风险地区返回或途经人员", "count", "人", "sum", True, True),
    ("in_risk_areas", "目前在风险地区人员", "count", "人", "sum", True, True),
    ("staff_total", "职工总数", "count", "人", "sum", False, True),
    ("on_post", "今日在岗人数", "count", "人", "sum", False, True),
    ("on_duty", "值班值守人数", "count", "人", "sum", False, True),
    ("party_on_post", "党员在岗人数", "count", "人", "sum", False, True),
    ("volunteers_on_post", "志愿者在岗人数", "count", "人", "sum", False, True),
    ("remote", "远程居家办公人数", "count", "人", "sum", False, True),
    ("checkpoints", "设立检查点数", "count", "个", "sum", False, True),
    ("disinfections", "今日消毒次数", "count", "次", "sum", False, True),
    ("masks_in_stock", "口罩库存", "count", "只", "sum", False, True),
    ("remarks", "备注", "text", "", "none", False, False),
]
DAILY_RULES = [
    {"left": ["confirmed", "suspected"], "op": "<=", "right": "staff_total"},
    {"left": ["on_post"], "op": "<=", "right": "staff_total"},
    {"left": ["party_on_post"], "op": "<=", "right": "on_post"},
    {"left": ["volunteers_on_post"], "op": "<=", "right": "on_post"},
    {"left": ["remote"], "op": "<=", "right": "staff_total"},
]
SASAC_FIELDS = [
    ("confirmed", "确诊病例", "count", "人", "sum", True, True),
    ("suspected", "疑似病例", "count", "人", "sum", True, True),
    ("remarks", "备注", "text", "", "none", False, False),
]
FORMS = [
    (
        "daily",
        "集团疫情防控统计日报表",
        "各单位每日报送：病例、接触、留观、发热、返岗与在岗、消毒与物资。",
        DAILY_FIELDS,
        DAILY_RULES,
    ),
    (
        "sasac",
        "省国资委疫情日报（确诊、疑似）",
        "各集团每日向省国资委应急值班室报送确诊和疑似病例。",
        SASAC_FIELDS,
        [],
    ),
]


def install_current() -> None:
    """Install the shipped forms with the current models (idempotent): for a database
    flushed since its migrations ran, as TransactionTestCase does."""
    from .models import FormField, FormVersion, ReportForm

    install(ReportForm, FormVersion, FormField)


def install(ReportForm, FormVersion, FormField):
    for code, name, description, fields, rules in FORMS:
        form, created = ReportForm.objects.get_or_create(
            code=code, defaults={"name": name, "description": description}
        )
        if not created:
            continue
        version = FormVersion.objects.create(form=form, number=1, rules=rules, note="初始版本")
        FormField.objects.bulk_create(
            FormField(
                version=version,
                code=c,
                label=label,
                kind=kind,
                unit_of_measure=uom,
                rollup=rollup,
                zero_in_zero_report=zero,
                required=required,
                order=i,
            )
            for i, (c, label, kind, uom, rollup, zero, required) in enumerate(fields)
        )
