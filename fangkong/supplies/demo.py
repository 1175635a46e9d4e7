"""Demo data of the supplies ledger, shaped by seeds 001 and 003: the CT group's epidemic
office keeps the warehouse (its own stock at CT-SAFETY); its 13 heat stations and 12 communities got their first stock a
month ago and have issued masks and disinfectant every day since; thermometer guns and
disinfectant are short at the heating and property companies (on the board); the
heating company's request for thermometer guns was passed up to the provincial SASAC; a
batch from the market regulator was distributed by the office, two receipts still open
(one of them over 48 hours); a station's request was approved in part and received with
a discrepancy. A demo login `heat-office` keeps the heating company's stock.

Idempotent: nothing is written when the warehouse already has its ledger.
"""

import random
from datetime import datetime, time, timedelta

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone

from fangkong.orgs.choices import Role
from fangkong.orgs.demo import DEMO_PASSWORD
from fangkong.orgs.models import RoleAssignment, Unit

from . import cover, services
from .choices import AdjustReason, Source, Urgency
from .models import Balance, Item, Move
from .testing import install_catalogue

HISTORY_DAYS = 30
# item → (first stock a site got, daily use at a heat station, at a community)
DAILY = {
    "mask-surgical": (600, (8, 14), (10, 18)),
    "disinfectant-84": (70, (1, 2), (1, 3)),
    "alcohol-75": (50, (0, 1), (0, 2)),
}


def _user(username, description, unit, role):
    User = get_user_model()
    user, created = User.objects.get_or_create(username=username)
    if created:
        user.first_name = description
        user.set_password(DEMO_PASSWORD)
        user.save()
    RoleAssignment.objects.get_or_create(user=user, unit=unit, role=role)
    return user


@transaction.atomic
def seed_supplies(admin, log=print) -> None:
    units = {u.code: u for u in Unit.objects.filter(code__startswith="CT")}
    if "CT" not in units or "CT-SAFETY" not in units:
        return
    install_catalogue()  # shipped by migration; a flushed test database lost it
    # The group's epidemic office keeps the warehouse (its own stock, not a unit of its own:
    # a unit would be one more expected to file the daily report).
    warehouse = units["CT-SAFETY"]
    if Move.objects.filter(unit=warehouse).exists():
        return  # seeded before
    User = get_user_model()
    office = User.objects.get(username="office")
    group_admin = User.objects.get(username="group-admin")
    heat_office = _user("heat-office", "热力总公司联络员（物资）", units["CT-HEAT"], Role.LIAISON)
    items = {item.code: item for item in Item.objects.all()}
    rng = random.Random(2020)
    now = timezone.now()
    today = warehouse.local_date(now)
    tz = warehouse.tzinfo

    def at(days_ago: int, hour: int, minute: int = 0):
        moment = datetime.combine(today - timedelta(days=days_ago), time(hour, minute), tz)
        return min(moment, now - timedelta(minutes=days_ago + 1))

    stations = [units[f"CT-HEAT-S{i:02d}"] for i in range(1, 14) if f"CT-HEAT-S{i:02d}" in units]
    communities = [units[f"CT-JY-C{i:02d}"] for i in range(1, 13) if f"CT-JY-C{i:02d}" in units]
    sites = stations + communities

    # A month ago: the office bought the first stock and sent each site its share.
    start = HISTORY_DAYS
    for code, quantity in (
        ("mask-surgical", 30000),
        ("disinfectant-84", 2000),
        ("alcohol-75", 1500),
        ("thermometer-gun", 40),
        ("protective-suit", 200),
        ("gloves", 5000),
    ):
        services.record_receipt(
            actor=office,
            unit=warehouse,
            item=items[code],
            quantity=quantity,
            source=Source.PURCHASE,
            note="疫情防控应急采购",
            now=at(start, 9),
        )
    for n, site in enumerate(sites):
        for code, (first, _station, _community) in DAILY.items():
            sent = services.send_transfer(
                actor=office,
                from_unit=warehouse,
                to_unit=site,
                item=items[code],
                quantity=first,
                now=at(start, 10, n),
            )
            services.receive_transfer(
                actor=admin, transfer=sent, quantity=first, now=at(start, 15, n)
            )
        # Two thermometer guns a heat station (one for the door, one spare), one for most
        # communities: the heating company's stations 5 to 9 have only one.
        guns = 1 if site in stations[4:9] or site in communities[4:] else 2
        sent = services.send_transfer(
            actor=office,
            from_unit=warehouse,
            to_unit=site,
            item=items["thermometer-gun"],
            quantity=guns,
            now=at(start, 11, n),
        )
        services.receive_transfer(actor=admin, transfer=sent, quantity=guns, now=at(start, 16, n))

    # Every day since: what each site used (the daily count, 日清单).
    for days_ago in range(start - 1, 0, -1):
        if days_ago == 4:
            # A station's request for disinfectant, approved in part by the office and shipped;
            # received with two bottles broken.
            station_request = services.file_request(
                actor=heat_office,
                unit=units["CT-HEAT"],
                for_unit=stations[10],
                item=items["disinfectant-84"],
                quantity=30,
                reason="换热站及周边加密消毒",
                now=at(4, 9),
            )
            services.decide_request(
                actor=office,
                request=station_request,
                decision="approve",
                quantity=20,
                note="仓库库存紧张，先拨20瓶",
                ship_from=warehouse,
                now=at(4, 14),
            )
            station_request.refresh_from_db()
            services.receive_transfer(
                actor=admin,
                transfer=station_request.transfer,
                quantity=18,
                reason="运输中破损2瓶",
                now=at(4, 17),
            )

        if days_ago == 3:
            # The heating company asked the group for thermometer guns; the group had too few to
            # spare and passed it up to the provincial SASAC.
            guns = services.file_request(
                actor=heat_office,
                unit=units["CT-HEAT"],
                item=items["thermometer-gun"],
                quantity=20,
                urgency=Urgency.URGENT,
                reason="第5至9热力站各仅1把测温枪，第6热力站测温枪损坏",
                now=at(3, 9),
            )
            services.decide_request(
                actor=group_admin,
                request=guns,
                decision="pass_up",
                note="集团仓库测温枪不足，请省国资委协调市场监管局调拨",
                now=at(3, 11),
            )

            # The market regulator's batch (seed 003), received at the warehouse and handed out by
            # the office to four communities: two have confirmed, two not yet (one over 48 hours).
            services.record_receipt(
                actor=office,
                unit=warehouse,
                item=items["disinfectant-84"],
                quantity=240,
                source=Source.ALLOCATION,
                note="市场监管局调拨",
                now=at(3, 15),
            )
            batch = services.distribute(
                actor=office,
                from_unit=warehouse,
                item=items["disinfectant-84"],
                shares=[(communities[3], 30), (communities[4], 30)],
                note="市场监管局调拨的一批",
                now=at(3, 16),
            )
            for transfer in batch.transfers.all():
                services.receive_transfer(
                    actor=admin, transfer=transfer, quantity=transfer.quantity_sent, now=at(3, 17)
                )
            services.distribute(
                actor=office,
                from_unit=warehouse,
                item=items["disinfectant-84"],
                shares=[(communities[5], 30)],
                note="市场监管局调拨的一批",
                now=at(3, 16, 30),
            )
        if days_ago == 1:
            services.distribute(
                actor=office,
                from_unit=warehouse,
                item=items["disinfectant-84"],
                shares=[(communities[6], 30)],
                note="市场监管局调拨的一批（补发）",
                now=at(1, 9),
            )
        for n, site in enumerate(sites):
            for code, (_first, station_use, community_use) in DAILY.items():
                low, high = station_use if site in stations else community_use
                used = rng.randint(low, high)
                # The property company's communities 1–3 and heat stations 10–13 use more
                # disinfectant: their public areas are sprayed twice a day (seed 003).
                if code == "disinfectant-84" and (site in communities[:3] or site in stations[9:]):
                    used += 1
                held = Balance.objects.get(unit=site, item=items[code]).quantity
                used = min(used, held)
                if used:
                    services.record_issue(
                        actor=admin,
                        unit=site,
                        item=items[code],
                        quantity=used,
                        purpose=site.name,
                        now=at(days_ago, 18, n % 60),
                    )
        if days_ago == 12:
            # A broken thermometer gun at station 6: counted, the difference written off.
            services.record_count(
                actor=admin,
                unit=stations[5],
                item=items["thermometer-gun"],
                counted=0,
                reason=AdjustReason.DAMAGED,
                note="测温枪损坏",
                now=at(days_ago, 9),
            )

    # The three property communities ran out of disinfectant yesterday evening.
    for site in communities[:3]:
        held = Balance.objects.get(unit=site, item=items["disinfectant-84"]).quantity
        if held:
            services.record_issue(
                actor=admin,
                unit=site,
                item=items["disinfectant-84"],
                quantity=held,
                purpose="公共区域消毒",
                now=at(1, 18, 30),
            )
    cover.refresh_stale(now)
    log(f"supplies: a month of ledger at {len(sites)} sites, requests and a distributed batch")
