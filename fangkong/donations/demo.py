"""Demo donations (seed 003): the call of 30 January to the group's staff for the city Red
Cross, with the day-one gifts of HQ and 12 subsidiaries totalling exactly 47,993.00 yuan
(some of them personal), passed to the Red Cross the next day with the bank voucher; and
one in-kind gift of masks from a donor company into the epidemic office's stock.
Idempotent: made once, found again by the campaign's name on a second run."""

from datetime import date

from fangkong.orgs.models import Person, Unit
from fangkong.supplies.models import Item

from .models import Campaign
from .services import create_campaign, receive_goods, record_gift, record_remittance

NAME = "抗击新冠肺炎疫情捐款倡议"
DAY = date(2020, 1, 30)
CALL = (
    "积极响应市红十字会呼吁，集团党委向广大干部职工发出倡议：发扬“一方有难、八方支援”的"
    "优良传统，积极捐款捐物，援助支持我市抗击新冠病毒疫情工作。捐款由集团统一转至市红十字会，"
    "用于市中心医院及市妇幼保健院的疫情防控救治。"
)
# Unit → (collective gift, [personal gifts]) in yuan; 13 units, 47,993 yuan in all.
GIFTS = {
    "CT-HQ": (5460, [1000, 800, 500, 500, 300]),
    "CT-JD": (3200, []),
    "CT-JY": (4150, []),
    "CT-HEAT": (6300, [200, 200, 100]),
    "CT-MO": (5300, []),
    "CT-ZX": (1500, []),
    "CT-JS": (3600, []),
    "CT-GAS": (3050, []),
    "CT-WATER": (2980, []),
    "CT-FINC": (4200, []),
    "CT-LOG": (1853, []),
    "CT-TOUR": (1200, []),
    "CT-NE": (1600, []),
}
TOTAL = 47993


def seed_donations(admin, log=print) -> None:
    if Campaign.objects.filter(name=NAME).exists():
        return
    units = {u.code: u for u in Unit.objects.filter(code__in=["CT", "CT-SAFETY", *GIFTS])}
    if len(units) < len(GIFTS) + 2:
        return
    campaign = create_campaign(
        actor=admin,
        unit=units["CT"],
        name=NAME,
        recipient="市红十字会",
        start_day=DAY,
        call_text=CALL,
        target=50000,
    )
    for code, (collective, personal) in GIFTS.items():
        unit = units[code]
        record_gift(
            actor=admin,
            campaign=campaign,
            unit=unit,
            amount=collective,
            day=DAY,
            note="单位集体捐款",
        )
        people = list(
            Person.objects.filter(unit_path__startswith=unit.path, is_active=True)
            .exclude(unit__code="CT-HEAT-S01")
            .order_by("employee_no")[: len(personal)]
        )
        for person, amount in zip(people, personal, strict=False):
            record_gift(
                actor=admin, campaign=campaign, unit=unit, person=person, amount=amount, day=DAY
            )
    record_remittance(
        actor=admin,
        campaign=campaign,
        amount=TOTAL,
        day=date(2020, 1, 31),
        voucher_no="HX2020013100017",
        note="经集团财务部转账至市红十字会，由其转发市中心医院及市妇幼保健院",
    )
    masks = Item.objects.filter(code="mask-kn95").first()
    if masks is not None:
        receive_goods(
            actor=admin,
            unit=units["CT-SAFETY"],
            item=masks,
            quantity=2000,
            donor="某市康达医疗器械有限公司",
            campaign=campaign,
            day=date(2020, 2, 1),
            note="KN95 口罩 80 盒，由集团疫情防控办公室统一分发",
        )
    log(f"Donations: the campaign of {DAY:%m-%d} with {TOTAL} yuan from HQ and 12 subsidiaries.")
