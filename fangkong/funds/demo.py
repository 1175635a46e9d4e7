"""The demo group's emergency fund (seed 003: 由疫情防控工作领导小组报请集团党委同意后统筹安排，
由疫情防控办公室统一实施): a budget set by the party committee, two approved proposals — one
paid, its payment bringing 20,000 surgical masks into the epidemic office's stock — and one
waiting at the party committee. Idempotent: made once, found again on a second run."""

from datetime import timedelta

from django.contrib.auth import get_user_model
from django.utils import timezone

from fangkong.orgs.models import Unit
from fangkong.supplies.models import Item

from . import services
from .models import Fund

NAME = "疫情防控应急专项资金"


def seed_funds(admin, log=print) -> None:
    group = Unit.objects.filter(code="CT").first()
    office_unit = Unit.objects.filter(code="CT-SAFETY").first()
    if group is None or office_unit is None or Fund.objects.filter(unit=group, name=NAME).exists():
        return
    User = get_user_model()
    users = {
        u.username: u
        for u in User.objects.filter(username__in=["group-admin", "office", "party-secretary"])
    }
    if len(users) < 3:
        return
    head, office, secretary = users["group-admin"], users["office"], users["party-secretary"]
    now = timezone.now()
    fund = services.open_fund(
        actor=admin,
        unit=group,
        name=NAME,
        budget="500000",
        basis="集团党委会议研究决定",
        note="《疫情防控应急专项资金管理暂行办法》",
        now=now - timedelta(days=9),
    )

    def propose(purpose, amount, payee, description, days_ago):
        return services.draft_proposal(
            actor=head,
            fund=fund,
            purpose=purpose,
            amount=amount,
            payee=payee,
            description=description,
            now=now - timedelta(days=days_ago),
        )

    def sign(proposal, user, opinion, days_ago):
        return services.decide(
            actor=user,
            proposal=proposal,
            decision="approve",
            opinion=opinion,
            now=now - timedelta(days=days_ago),
        )

    masks = propose(
        "采购医用外科口罩 20000 只",
        "30000",
        "某市医药有限公司",
        "供集团机关及重点单位一线人员使用，按 1.5 元/只。",
        8,
    )
    masks = sign(masks, office, "领导小组研究同意，报请集团党委。", 8)
    masks = sign(masks, secretary, "同意。", 7)
    masks = sign(masks, office, "由疫情防控办公室统一实施。", 7)
    item = Item.objects.filter(code="mask-surgical").first()
    services.record_payment(
        actor=office,
        proposal=masks,
        amount="30000",
        paid_on=office_unit.local_date(now - timedelta(days=6)),
        voucher_no="记-2020-0131",
        item=item,
        quantity=20000 if item else None,
        receiving_unit=office_unit if item else None,
        now=now - timedelta(days=6),
    )
    gear = propose(
        "采购 84 消毒液 200 瓶、红外测温枪 30 把",
        "18600",
        "某市医疗器械有限公司",
        "热力总公司、金源物业测温枪及消毒物资紧缺（督查发现）。",
        4,
    )
    gear = sign(gear, office, "领导小组研究同意，报请集团党委。", 4)
    gear = sign(gear, secretary, "同意，尽快采购。", 3)
    sign(gear, office, "由疫情防控办公室统一实施。", 3)
    stations = propose(
        "热力站及小区检查点防护物资补充",
        "45000",
        "某市劳保用品有限公司",
        "13 座热力站、12 个小区检查点两周用量。",
        1,
    )
    sign(stations, office, "领导小组研究同意，报请集团党委。", 1)
    log(
        "Demo emergency fund: 3 proposals (2 approved, 1 paid with its masks received, 1 at the party committee)."
    )
