"""What canteen plans tell people, through notify's one entry point (`queue`) on the topic
registered in apps.py (`canteen_plan`): each department's liaisons hear their slot (or
that they take away or eat at the desks) when a plan is published, inside the publishing
transaction."""

from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _

from fangkong.notify.services import queue
from fangkong.orgs.queries import list_liaison_user_ids

from .choices import Mode

TOPIC = "canteen_plan"


def plan_url(plan) -> str:
    url = reverse("canteens:detail", args=[plan.canteen.unit.code])
    return f"{url}?{urlencode({'day': plan.day.isoformat(), 'meal': plan.meal})}"


def tell_departments(plan, rows, slot_times) -> int:
    units = [r.unit for r in rows]
    liaisons = list_liaison_user_ids(units)
    sent = 0
    for row in rows:
        values = {
            "canteen": plan.canteen.unit.name,
            "meal": plan.get_meal_display(),
            "day": plan.day.strftime("%m-%d"),
            "unit": row.unit.name,
            "people": row.people,
        }
        if row.slot is not None:
            starts, ends = slot_times(plan.starts, plan.slot_minutes, row.slot)
            values["when"] = f"{starts:%H:%M}–{ends:%H:%M}"

            def subject(v=values):
                return _("%(canteen)s %(day)s %(meal)s: %(unit)s eats %(when)s") % v
        else:
            values["mode"] = Mode(row.mode).label if row.mode != Mode.HALL else _("Takeaway")

            def subject(v=values):
                return _("%(canteen)s %(day)s %(meal)s: %(unit)s — %(mode)s") % v

        sent += queue(
            key=f"canteen-plan:{plan.pk}:{row.unit_id}",
            topic=TOPIC,
            unit=row.unit,
            users=liaisons.get(row.unit_id, set()),
            subject=subject,
            body=lambda v=values: _("%(people)s people of %(unit)s on post today.") % v,
            url=plan_url(plan),
        )
    return sent
