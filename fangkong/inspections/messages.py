"""What inspections tell people, through notify's one entry point on the topic
`rectification`: a new or reopened item to its owner unit, a fix to verify, and the
overdue ladder (the owner at the due time, the unit above at +1 day, the office at +3
days). Called inside the writing transaction. Also the ledger kind's description."""

from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from fangkong.core.localtime import show
from fangkong.notify.services import queue
from fangkong.orgs.choices import Role
from fangkong.orgs.models import Unit
from fangkong.orgs.queries import list_liaison_user_ids, nearest_role_holders

from .choices import RectAction

TOPIC = "rectification"
OVERDUE_KIND = "rectification_overdue"


def _url(rect) -> str:
    return reverse("inspections:rectification_detail", args=[rect.pk])


def owner_user_ids(rect) -> set[int]:
    """The owner person's login and the owner unit's liaisons (their admins when none)."""
    users = set(list_liaison_user_ids([rect.unit]).get(rect.unit_id, set()))
    if rect.owner_id and rect.owner.user_id:
        users.add(rect.owner.user_id)
    if not users:
        users |= set(_holders(rect.unit, (Role.UNIT_ADMIN,)))
    return users


def _holders(unit: Unit, roles, *, strict: bool = False) -> list[int]:
    return nearest_role_holders([unit], roles, strict=strict).get(unit.pk, (None, []))[1]


def _facts(rect) -> dict:
    return {
        "unit": rect.unit.name,
        "title": rect.title,
        "due": show(rect.due_at, rect.unit, "short"),
        "severity": rect.get_severity_display(),
    }


SUBJECTS = {
    "created": gettext_lazy("To rectify at %(unit)s: %(title)s (%(severity)s)"),
    "reopened": gettext_lazy("Rectification reopened at %(unit)s: %(title)s"),
    "fixed": gettext_lazy("Fix to verify at %(unit)s: %(title)s"),
    RectAction.OVERDUE_OWNER: gettext_lazy("Overdue: %(title)s at %(unit)s, due %(due)s"),
    RectAction.OVERDUE_ABOVE: gettext_lazy(
        "Overdue by a day at %(unit)s below you: %(title)s, due %(due)s"
    ),
    RectAction.OVERDUE_OFFICE: gettext_lazy(
        "Overdue by three days at %(unit)s: %(title)s, due %(due)s"
    ),
}
FIX_BY = gettext_lazy("Fix it with evidence (photo, note) by %(due)s.")


def _text(template, facts: dict):
    """Rendered in each recipient's language when their copy is written."""
    return lambda: str(template) % facts


def tell_owner(rect, key: str) -> int:
    facts = _facts(rect)
    return queue(
        key=f"rect:{rect.pk}:{key}:{rect.reopened}",
        topic=TOPIC,
        unit=rect.unit,
        users=owner_user_ids(rect),
        subject=_text(SUBJECTS[key], facts),
        body=_text(FIX_BY, facts),
        url=_url(rect),
    )


def tell_verifiers(rect) -> int:
    users = set(_holders(rect.unit, (Role.OFFICE,), strict=True))
    users.add(rect.visit.inspector_id if rect.visit_id else rect.found_by_id)
    users.discard(None)
    users.discard(rect.fixed_by_id)
    return queue(
        key=f"rect:{rect.pk}:fixed:{rect.reopened}",
        topic=TOPIC,
        unit=rect.unit,
        users=users,
        subject=_text(SUBJECTS["fixed"], _facts(rect)),
        body=rect.fix_note[:300],
        url=_url(rect),
    )


def tell_overdue(rect, step: str) -> int:
    """One step of the overdue ladder (RectAction.OVERDUE_*): the owner; the admins or
    office of the nearest unit above with any; the epidemic office above."""
    if step == RectAction.OVERDUE_OWNER:
        users, unit = owner_user_ids(rect), rect.unit
    else:
        roles = (
            (Role.UNIT_ADMIN, Role.OFFICE) if step == RectAction.OVERDUE_ABOVE else (Role.OFFICE,)
        )
        found = nearest_role_holders([rect.unit], roles, strict=True).get(rect.unit_id)
        users = set(found[1]) if found else set()
        unit = Unit.objects.get(pk=found[0]) if found else rect.unit
    return queue(
        key=f"rect:{rect.pk}:{step}:{rect.reopened}",
        topic=TOPIC,
        unit=unit,
        users=users,
        subject=_text(SUBJECTS[step], _facts(rect)),
        body=rect.detail or rect.title,
        url=_url(rect),
    )


def describe_entry(entry) -> str:
    f = entry.facts
    return _("%(title)s (%(severity)s), due %(due)s, not fixed") % {
        "title": f["title"],
        "severity": f.get("severity_label", f.get("severity", "")),
        "due": show(f.get("due_at"), entry.unit, "short") or "—",
    }


def entry_link(entry) -> str:
    try:
        return reverse("inspections:rectification_detail", args=[entry.object_id])
    except NoReverseMatch:
        return ""
