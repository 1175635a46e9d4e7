"""Demo data of staff health, so its pages are never empty: a personal link for everyone,
this morning's check-ins for most people of the CT group (a few fevers, hence cases), two
risk areas, trips of staff and family (some through a risk area), and observations.
Deterministic and idempotent: each person draws from their own seeded generator, and a
second run finds everything in place (check-ins unchanged, trips and observations kept)."""

import random
from datetime import timedelta

from django.utils import timezone

from fangkong.orgs.models import Person

from .choices import (
    Category,
    ObservationPlace,
    ObservationReason,
    RiskLevel,
    Transport,
    Whereabouts,
)
from .models import CheckIn, Observation, RiskArea, Trip
from .services import checkins, observation, travel

SHARE_CHECKED_IN = 0.85


def _entry(person, rng: random.Random, category: str) -> checkins.Entry | None:
    if rng.random() > SHARE_CHECKED_IN:
        return None
    fever = rng.random() < 0.01
    temperature = (
        rng.choice(["37.6", "37.9", "38.2"])
        if fever
        else rng.choice(["36.2", "36.4", "36.5", "36.6", "36.7", "36.8"])
    )
    where = rng.choices(
        [Whereabouts.AT_POST, Whereabouts.REMOTE, Whereabouts.TRAVELLING], [85, 12, 3]
    )[0]
    return checkins.Entry(
        person=person,
        temperature=checkins.parse_temperature(temperature),
        symptoms=["cough"] if fever else [],
        whereabouts=where,
        category=category,
    )


def seed_health(admin, log=print) -> None:
    people = list(Person.objects.filter(is_active=True, group__code="CT").select_related("unit"))
    if not people:
        return
    checkins.issue_links(actor=admin, people=people)
    today = timezone.localdate()
    defaults = checkins.default_categories(people, today)
    entries = []
    # A second run leaves the check-ins people made themselves today alone.
    own = set(CheckIn.objects.filter(day=today, source="link").values_list("person_id", flat=True))
    for person in people:
        if person.pk in own:
            continue
        rng = random.Random(f"{person.employee_no}:{today}")
        category = defaults[person.pk]
        if rng.random() < 0.05 and category == Category.ON_POST:
            category = Category.DUTY
        entry = _entry(person, rng, category)
        if entry is not None:
            entries.append(entry)
    outcome = checkins.save_checkins(entries, day=today, source="proxy", actor=admin)
    areas = [("湖北武汉", RiskLevel.HIGH), ("黑龙江绥芬河", RiskLevel.MEDIUM)]
    for name, level in areas:
        if not RiskArea.objects.filter(name=name).exists():
            travel.save_risk_area(
                actor=admin, name=name, level=level, effective_from=today - timedelta(days=40)
            )
    trips = 0
    if not Trip.objects.exists():
        plan = [
            ("北京", "湖北武汉", "", -10, -2, Transport.TRAIN, "G507", "探亲"),
            ("北京", "上海", "", -3, 2, Transport.FLIGHT, "CA1501", "出差"),
            ("北京", "哈尔滨", "黑龙江绥芬河", -6, 1, Transport.TRAIN, "K7091", "返乡"),
            ("北京", "天津", "", 0, 3, Transport.CAR, "", "办事"),
            ("北京", "石家庄", "", 1, 5, Transport.TRAIN, "G603", "出差"),
        ]
        for (origin, dest, via, start, end, transport, number, purpose), person in zip(
            plan, people[3::40], strict=False
        ):
            travel.record_trip(
                actor=admin,
                person=person,
                origin=origin,
                destination=dest,
                via=via,
                depart_on=today + timedelta(days=start),
                return_on=today + timedelta(days=end),
                transport=transport,
                transport_no=number,
                purpose=purpose,
            )
            trips += 1
        family = next((p for p in people if p.family_members.exists()), None)
        if family is not None:
            travel.record_trip(
                actor=admin,
                person=family,
                family_member=family.family_members.first(),
                origin="北京",
                destination="湖北武汉",
                depart_on=today - timedelta(days=12),
                return_on=today + timedelta(days=1),
                transport=Transport.FLIGHT,
                transport_no="CZ3126",
                purpose="探亲",
            )
            trips += 1
    observations = 0
    if not Observation.objects.exists():
        flagged = Trip.objects.exclude(risk_level="").filter(return_on__lte=today).first()
        if flagged is not None:
            travel.start_observation_from_trip(actor=admin, trip=flagged)
            observations += 1
        contact = people[7] if len(people) > 7 else None
        if contact is not None and not contact.observations.exists():
            watched = observation.start_observation(
                actor=admin,
                person=contact,
                reason=ObservationReason.CLOSE_CONTACT,
                place=ObservationPlace.DESIGNATED,
                place_detail="集团隔离观察点",
                start_on=today - timedelta(days=3),
            )
            observations += 1
            # Daily follow-ups, yesterday's missing: the list shows it as the liaison would.
            for back, temperature in ((3, "36.6"), (2, "36.9")):
                observation.record_follow_up(
                    actor=admin,
                    observation=watched,
                    day=today - timedelta(days=back),
                    temperature=temperature,
                    symptoms=[],
                )
    log(
        f"Staff health: {len(people)} links, {outcome.created} check-ins today "
        f"({outcome.cases_opened} fever cases), {trips} trips, {observations} observations."
    )
