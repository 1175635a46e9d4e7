"""Demo data of the notices (seed-demo, fictional texts in the spirit of seeds 000 and
003): the SASAC issues without an approval step and numbers as 省国资委; its notice of 31
January to the groups, forwarded by the seed-003 group (产投) and the seed-000 group (文旅)
to their units with cover notes; most receipts read and acknowledged, some units unread
(the first heat station among them, for its liaison to acknowledge); and a leading-group
order of the seed-003 group. Idempotent: made once, found again on a second run."""

from datetime import datetime, timedelta

from django.contrib.auth import get_user_model
from django.utils import timezone

from fangkong.orgs.models import Unit

from . import services
from .choices import Approval, NoticeKind
from .models import IssuerSetting, Notice, Receipt

TITLE = "关于进一步做好全省国资系统新型冠状病毒感染的肺炎疫情防控工作的通知"
BODY = """<p>各省属企业：</p>
<p>为深入贯彻落实省委、省政府关于疫情防控工作的决策部署，切实做好国资系统疫情防控工作，现就有关事项通知如下：</p>
<h3>一、提高政治站位，压实防控责任</h3>
<p>各企业主要负责人是本单位疫情防控第一责任人，要成立疫情防控工作领导小组，实行日报告、零报告制度。</p>
<h3>二、突出防控重点</h3>
<ul><li>严格落实人员排查，做到不漏一户、不漏一人；</li>
<li>做好办公场所、职工食堂、服务窗口的消毒通风；</li>
<li>加强值班值守，实行24小时值班和领导带班制度。</li></ul>
<h3>三、报送要求</h3>
<table><thead><tr><th>事项</th><th>时间</th></tr></thead>
<tbody><tr><td>疫情防控日报</td><td>每日16时前</td></tr><tr><td>突发情况</td><td>第一时间电话报告</td></tr></tbody></table>
<p>（本文为演示用虚构文本）</p>"""
ORDER_TITLE = "集团疫情防控工作领导小组令（第1号）"
ORDER_BODY = """<p>集团各部室、各所属公司：</p>
<p>即日起，集团全面进入疫情防控应急状态。各单位严格执行领导带班和24小时值班制度，热力站、执勤大队、居民小区设立检查点，对进出人员逐一测温登记；各单位每日16时前报送疫情防控日报，无情况实行零报告。</p>
<p>（本文为演示用虚构文本）</p>"""


def seed_notices(admin, log=print) -> None:
    units = {u.code: u for u in Unit.objects.filter(code__in=["SASAC", "CT", "WL", "CQ"])}
    if len(units) < 3 or Notice.objects.filter(title=TITLE).exists():
        return
    User = get_user_model()
    users = {
        u.username: u
        for u in User.objects.filter(username__in=["sasac", "office", "group-admin", "other-admin"])
    }
    if len(users) < 4:
        return
    IssuerSetting.objects.update_or_create(
        unit=units["SASAC"], defaults={"prefix": "省国资委", "approval": Approval.NONE}
    )
    IssuerSetting.objects.update_or_create(unit=units["CT"], defaults={"prefix": "产投"})
    IssuerSetting.objects.update_or_create(unit=units["WL"], defaults={"prefix": "文旅"})
    sasac = units["SASAC"]
    now = timezone.now()
    # 31 January of this year, 10:00 local (or a week ago, early in a year).
    year = sasac.local_date(now).year
    issued = datetime(year, 1, 31, 10, 0, tzinfo=sasac.tzinfo)
    if issued > now:
        issued = now - timedelta(days=7)
    ct = units["CT"]
    services.draft_notice(
        actor=users["group-admin"],  # a leading-group member: approved by issuing
        issuer=ct,
        kind=NoticeKind.ORDER,
        title=ORDER_TITLE,
        body=ORDER_BODY,
        recipients=[ct],
        unit_kinds=["department", "subsidiary"],
        signer_name="集团疫情防控工作领导小组",
        now=issued - timedelta(days=4),
    )
    notice = services.draft_notice(
        actor=users["sasac"],
        issuer=sasac,
        kind=NoticeKind.NOTICE,
        title=TITLE,
        body=BODY,
        recipients=[sasac],
        unit_kinds=["group"],
        signer_name="省国资委疫情防控工作领导小组",
        now=issued,
    )
    for code, user, note in (
        ("CT", users["office"], "请集团各部室、各所属公司认真贯彻落实，于每日16时前报送落实情况。"),
        ("WL", users["other-admin"], "现将省国资委通知转发给你们，请结合景区、酒店实际抓好落实。"),
    ):
        services.forward_notice(
            actor=user,
            notice=notice,
            issuer=units[code],
            cover_note=note,
            now=issued + timedelta(hours=2),
        )
    # Most read and acknowledged within the day; every seventh unit unread, and the first
    # heat station left for its liaison.
    rows = list(
        Receipt.objects.filter(root=notice).exclude(unit__code="CT-HEAT-S01").order_by("unit_path")
    )
    read, acked = [], []
    for index, receipt in enumerate(rows):
        if receipt.read_at or index % 7 == 3:
            continue
        read.append(receipt.pk)
        if index % 5 != 1:
            acked.append(receipt.pk)
    at = issued + timedelta(hours=5)
    Receipt.objects.filter(pk__in=read).update(read_at=at)
    Receipt.objects.filter(pk__in=acked).update(acked_at=at + timedelta(minutes=20))
    log(f"notices: {Notice.objects.count()} notices, {Receipt.objects.count()} receipts")
