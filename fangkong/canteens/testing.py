"""Test helpers of canteens: a canteen site under group-a serving a-hq and a-sub, with
today's check-ins: a-hq 6 people (one of them remote, so 5 on post), a-sub 4 on post."""

from fangkong.health.choices import Whereabouts
from fangkong.health.services import checkins
from fangkong.orgs import services as orgs
from fangkong.orgs.choices import SiteKind, UnitKind

from .services import setup_canteen


def check_in(t, day):
    people = [t.p_hq, t.p_site_1, t.p_site_2]
    for i in range(1, 6):
        people.append(
            orgs.create_person(actor=t.root, unit=t.a_hq, employee_no=f"H{i}", name=f"机关{i}")
        )
    for i in range(1, 3):
        people.append(
            orgs.create_person(actor=t.root, unit=t.a_sub, employee_no=f"S{i}", name=f"公司{i}")
        )
    entries = [
        checkins.Entry(
            person=p,
            temperature=checkins.parse_temperature("36.5"),
            whereabouts=Whereabouts.REMOTE if p.employee_no == "H5" else Whereabouts.AT_POST,
        )
        for p in people
    ]
    checkins.save_checkins(entries, day=day, source="proxy", actor=t.root)


def make_canteen(t, seats=12, safe_seats=6, **extra):
    t.canteen_site = orgs.create_unit(
        actor=t.root, parent=t.group_a, code="a-canteen", name="机关食堂", kind=UnitKind.SITE,
        site_kind=SiteKind.CANTEEN,
    )  # fmt: skip
    windows = {"lunch": ("11:30", "12:30", 20)}
    return setup_canteen(
        actor=t.alice, unit=t.canteen_site, seats=seats, safe_seats=safe_seats,
        windows=windows, **extra,
    )  # fmt: skip
