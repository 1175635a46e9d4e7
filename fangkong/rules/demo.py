"""Demo rules and plans of the seed-003 group (产投集团), published by its epidemic office:
the 十六不准 for every cadre and worker (two versions, most people have confirmed reading
the current one; the heat station's liaison has not, so 我已阅读 waits on their page), the
九项规定 for the party-member cadres, the leading group's 12 measures (seed 003's own
words), the 应急专项资金管理暂行办法 and the group's 应急预案, acknowledged by most units
(the tourism company and the logistics company not yet). The group's contingency plan has
its roles linked to the group's emergency team, the vanguard and the group duty room; the
heat company's to its squad and its dispatch room. One drill two days ago found a spare
thermometer missing at the first heat station: a rectification item of it. Idempotent."""

from datetime import timedelta

from django.contrib.auth import get_user_model
from django.utils import timezone

from fangkong.core.fields import subtree_q
from fangkong.duty.models import DutyRoom
from fangkong.notices.models import Receipt
from fangkong.orgs.choices import UnitKind
from fangkong.orgs.models import Person, Unit
from fangkong.teams.models import Team

from .choices import Category, Confirm
from .models import ReadConfirmation, Rule
from .queries import current_version, readers
from .services import create_rule, publish_version, record_drill, save_plan

SIXTEEN = "国资国企干部职工疫情防控“十六不准”"
SIXTEEN_V1 = """<p>为坚决打赢疫情防控阻击战，全体干部职工在疫情防控期间必须做到：</p>
<ol>
<li>不准对疫情防控工作敷衍塞责、推诿扯皮；</li>
<li>不准迟报、漏报、瞒报、谎报疫情信息；</li>
<li>不准在值班值守期间擅离职守、脱岗离岗；</li>
<li>不准拒不执行集团疫情防控领导小组的命令和部署；</li>
<li>不准参加聚餐、聚会等人员聚集活动；</li>
<li>不准在岗期间不戴口罩、串岗聚集；</li>
<li>不准隐瞒本人及家属与重点地区人员接触情况；</li>
<li>不准未经报告擅自离开本市；</li>
<li>不准截留、挪用、私分防疫物资和应急专项资金；</li>
<li>不准借疫情防控之机优亲厚友、谋取私利；</li>
<li>不准对外发布未经领导小组审定的疫情信息；</li>
<li>不准编造、传播涉疫谣言；</li>
<li>不准拒绝、阻挠体温检测和健康登记；</li>
<li>不准在检查点、小区出入口放松管控、随意放行；</li>
<li>不准对群众诉求推诿拖延、态度生硬；</li>
<li>不准在复工复产中降低防控标准。</li>
</ol>
<p>违反上述规定的，视情节依规依纪严肃追究责任。</p>"""
SIXTEEN_V2 = SIXTEEN_V1.replace(
    "<li>不准在复工复产中降低防控标准。</li>",
    "<li>不准在复工复产中降低防控标准，不准未经备案擅自复工。</li>",
)
NINE = "疫情防控期间党员干部“九项规定”"
NINE_BODY = """<ol>
<li>党员领导干部全体在岗，带头落实疫情防控属地负责制；</li>
<li>严格执行24小时值班值守和领导带班制度；</li>
<li>重大事项、突发情况第一时间向领导小组报告；</li>
<li>下沉一线、包抓包联，到重点单位督导检查；</li>
<li>带头落实每日体温检测和健康状况报告；</li>
<li>带头执行错峰就餐、分散办公；</li>
<li>严格防疫物资、专项资金管理，公开透明；</li>
<li>统一对外宣传口径，不信谣、不传谣；</li>
<li>发挥先锋模范作用，让党旗在防疫情斗争一线高高飘扬。</li>
</ol>"""
MEASURES = "进一步加强疫情防控12项具体措施"
MEASURES_BODY = """<p>在防疫关键时期，在集团党委领导下，集团领导小组制定了进一步加强疫情防控12项具体措施：</p>
<ol>
<li>实行党员领导干部在岗管理。集团公司和疫情防控重点单位班子成员全体在岗，协力抓好关键时期的疫情防控工作；</li>
<li>实行各类人员清单式管理。每日对集团机关和各所属企业值班值守人员、在岗上班人员、党员在岗情况、志愿者在岗情况、留观特护人员、其余在职人员进行健康情况登记；</li>
<li>创新办公方式方法。除疫情防控重点责任单位外，其他单位倡导运用“学习强国”、微信、短信等平台远程居家办公；</li>
<li>实行办公场所规范管理。由各单位落实责任主体和责任人，每天两次对办公场所加密消毒，开启门窗通风换气，保持办公环境清洁、卫生、安全；</li>
<li>实行在岗人员每日身体状况报告制度。严格落实在岗人员晨检及有无与湖北来渭返渭人员直接接触等信息报告制度；</li>
<li>加强在岗人员自我防护管理。要求员工选择合适方式上下班，上班时戴口罩，勤洗手，不串岗，倡导在家用餐，避免人群聚集引发交叉感染；</li>
<li>加强值班值守管理。集团公司和疫情防控重点单位保留值班人员，落实好24小时值班值守工作；</li>
<li>实行物资储备动态管理。对口罩、消毒用品等防疫物资的储备和使用实行日清单登记动态管理，随时掌握并多渠道补充急用物资缺口；</li>
<li>实行应急资金专项管理。制定并实施《疫情防控应急专项资金管理暂行办法》；</li>
<li>实行信息统一口径管理。对外发布信息要在疫情防控领导小组的统一安排下进行；</li>
<li>强化应急力量保障。制定疫情应急预案，组建集团公司和所属重点企业两级应急队伍；</li>
<li>严格责任追究。对组织不到位、落实不力的将予以问责。</li>
</ol>"""
FUNDS = "疫情防控应急专项资金管理暂行办法"
FUNDS_BODY = """<h3>第一条</h3><p>应急专项资金的投入由疫情防控工作领导小组报请集团党委同意后统筹安排，由疫情防控办公室统一实施。</p>
<h3>第二条</h3><p>专项资金专款专用，用于防疫物资采购、一线人员防护和生活保障，不得截留挪用。</p>
<h3>第三条</h3><p>每笔支出须附报价单、合同及支付凭证，按月公开。</p>"""
PLAN = "集团疫情防控应急预案"
PLAN_BODY = """<h3>一、组织体系</h3><p>成立以集团主要负责人任组长的疫情防控工作领导小组，下设应急指挥部、现场处置组、后勤保障组、信息报送组。</p>
<h3>二、应急队伍</h3><p>组建集团公司有党员干部、骨干员工参加的20人疫情防控应急队伍；热力总公司、金盾护卫、金源物业、金钼物业等重点单位组建各自的应急处置分队。</p>
<h3>三、处置流程</h3><ol><li>发现发热人员立即隔离观察，先电话、后书面报告；</li><li>应急队伍30分钟内到场处置；</li><li>场所消毒、密切接触者登记，配合属地排查。</li></ol>"""
LATE = ("CT-TOUR", "CT-LOG")  # not yet acknowledged


def _user(username: str, fallback):
    return get_user_model().objects.filter(username=username).first() or fallback


def _ack_most(rule: Rule, at) -> None:
    notice = current_version(rule).notice
    late = Unit.objects.filter(code__in=LATE).values_list("path", flat=True)
    rows = Receipt.objects.filter(notice=notice, acked_at__isnull=True)
    for path in late:
        rows = rows.exclude(subtree_q("unit_path", path))
    rows.update(read_at=at, acked_at=at)


def seed_rules(admin, log=print) -> None:
    ct = Unit.objects.filter(code="CT").first()
    if ct is None or Rule.objects.filter(title=SIXTEEN).exists():
        return
    office = _user("office", admin)
    now = timezone.now()
    sixteen = create_rule(
        actor=office, issuer=ct, title=SIXTEEN, category=Category.SIXTEEN_BANS,
        confirm=Confirm.EVERYONE, body=SIXTEEN_V1, recipients=[ct],
        note="传达市国资委要求", now=now - timedelta(days=20),
    )  # fmt: skip
    publish_version(actor=office, rule=sixteen, body=SIXTEEN_V2, note="增加复工复产备案要求",
                    now=now - timedelta(days=6))  # fmt: skip
    nine = create_rule(
        actor=office, issuer=ct, title=NINE, category=Category.NINE_RULES,
        confirm=Confirm.CADRES, body=NINE_BODY, recipients=[ct],
        unit_kinds=[UnitKind.DEPARTMENT, UnitKind.SUBSIDIARY], now=now - timedelta(days=18),
    )  # fmt: skip
    measures = create_rule(
        actor=office, issuer=ct, title=MEASURES, category=Category.MEASURES, body=MEASURES_BODY,
        recipients=[ct], unit_kinds=[UnitKind.DEPARTMENT, UnitKind.SUBSIDIARY],
        now=now - timedelta(days=16),
    )  # fmt: skip
    funds = create_rule(
        actor=office, issuer=ct, title=FUNDS, category=Category.FUNDS, body=FUNDS_BODY,
        recipients=[ct], unit_kinds=[UnitKind.SUBSIDIARY], now=now - timedelta(days=15),
    )  # fmt: skip
    plan_rule = create_rule(
        actor=office, issuer=ct, title=PLAN, category=Category.CONTINGENCY, body=PLAN_BODY,
        recipients=[ct], unit_kinds=[UnitKind.DEPARTMENT, UnitKind.SUBSIDIARY],
        now=now - timedelta(days=14),
    )  # fmt: skip
    for rule in (sixteen, nine, measures, funds, plan_rule):
        _ack_most(rule, now - timedelta(days=3))
    # Most people confirmed reading the 十六不准's current version and the cadres the 九项规定;
    # the heat station's liaison (a demo login) has not.
    skip = set(Person.objects.filter(user__username="heat-liaison").values_list("pk", flat=True))
    for rule in (sixteen, nine):
        version = current_version(rule)
        people = [
            p for i, p in enumerate(readers(rule).order_by("pk")) if i % 5 and p.pk not in skip
        ]
        ReadConfirmation.objects.bulk_create(
            [ReadConfirmation(version=version, person=p, unit_path=p.unit_path,
                              at=now - timedelta(days=2), by=None) for p in people],
            batch_size=1000,
        )  # fmt: skip
    teams = {t.name: t for t in Team.objects.filter(unit__code__in=["CT", "CT-HEAT"])}
    rooms = {r.unit.code: r for r in DutyRoom.objects.filter(unit__code__in=["CT", "CT-HEAT"])
             .select_related("unit")}  # fmt: skip
    from fangkong.teams.demo import GROUP_TEAM, KEY_UNITS, VANGUARD

    plan = save_plan(
        actor=office, unit=ct, title=PLAN, rule=plan_rule,
        scenario="在岗人员发热、检查点发现疑似病例、小区出现确诊病例、防疫物资断供。",
        roles=[
            {"name": "应急指挥部", "duty_room": rooms.get("CT"),
             "duties": "24小时值班值守，接报后15分钟内电话报告领导小组，统一调度。"},
            {"name": "现场处置组", "team": teams.get(GROUP_TEAM),
             "duties": "30分钟内到场，隔离观察、场所消毒、密切接触者登记。"},
            {"name": "后勤保障组", "team": teams.get(VANGUARD),
             "duties": "防疫物资调配、一线人员生活保障。"},
            {"name": "信息报送组", "duty_room": rooms.get("CT"),
             "duties": "先电话、后书面，按时报送疫情信息，统一对外口径。"},
        ],
    )  # fmt: skip
    heat = Unit.objects.filter(code="CT-HEAT").first()
    if heat is not None:
        save_plan(
            actor=office, unit=heat, title="热力总公司疫情防控应急处置方案", rule=plan_rule,
            scenario="热力站值班人员发热、供热抢修人员隔离。",
            roles=[
                {"name": "应急处置分队", "team": teams.get(KEY_UNITS["CT-HEAT"]),
                 "duties": "热力站现场处置、消毒消杀。"},
                {"name": "调度值班", "duty_room": rooms.get("CT-HEAT"),
                 "duties": "保障供热调度不断档，启用备班人员。"},
            ],
        )  # fmt: skip
    station = Unit.objects.filter(code="CT-HEAT-S01").first()
    record_drill(
        actor=office, plan=plan, day=ct.local_date(now - timedelta(days=2)),
        scenario="热力站值班人员晨检发热的应急处置演练", participants=20,
        summary="应急队伍28分钟到场，隔离、报告、消毒流程顺畅；备用体温枪未配备。",
        findings=[{"title": "隔离观察点未配备备用体温枪", "detail": "演练中唯一一把体温枪电量不足",
                   "severity": "normal", "unit": station or ct}],
        now=now - timedelta(days=2),
    )  # fmt: skip
    log(
        f"Rules and plans: {Rule.objects.count()} rules published by the group's office, "
        "its contingency plan with roles linked and one drill with a finding to rectify."
    )
