"""Demo canteen (seed 004: 分时、分流、分开): the staff canteen of the seed-003 group's HQ
(集团机关职工食堂, a canteen site under 集团机关, made here when the demo has none), 24 seats
of which 8 at a safe distance, serving the HQ's departments; the epidemic office eats at
its desks; today's lunch proposed from today's check-ins and published. Idempotent."""

from datetime import date

from fangkong.orgs.choices import SiteKind, UnitKind
from fangkong.orgs.models import Unit
from fangkong.orgs.services import create_unit

from . import queries
from .choices import Meal, Mode
from .models import Canteen
from .services import propose_plan, publish_plan, set_mode, setup_canteen

CODE = "CT-HQ-CANTEEN"


def seed_canteens(admin, log=print) -> None:
    hq = Unit.objects.filter(code="CT-HQ").first()
    if hq is None:
        return
    site = Unit.objects.filter(code=CODE).first()
    if site is None:
        site = create_unit(
            actor=admin, parent=hq, code=CODE, name="集团机关职工食堂", kind=UnitKind.SITE,
            site_kind=SiteKind.CANTEEN, active_from=date(2020, 1, 25),
        )  # fmt: skip
    canteen = Canteen.objects.filter(unit=site).first()
    if canteen is None:
        canteen = setup_canteen(actor=admin, unit=site, seats=24, safe_seats=8)
        safety = Unit.objects.filter(code="CT-SAFETY").first()
        if safety is not None:
            set_mode(actor=admin, canteen=canteen, unit=safety, mode=Mode.DESK)
    day = site.local_date()
    if queries.published_plan(canteen, day, Meal.LUNCH) is None:
        plan = propose_plan(actor=admin, canteen=canteen, day=day, meal=Meal.LUNCH)
        publish_plan(actor=admin, plan=plan)
    log(f"Canteens: {site.name}, today's lunch plan published.")
