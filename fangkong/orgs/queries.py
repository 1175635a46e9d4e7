"""Scoped reads of the tree and the roster. Nothing here loads the tree into Python:
subtree questions are prefix filters on `path` / `unit_path`."""

from collections import Counter, defaultdict

from django.db.models import Case, Count, Exists, IntegerField, OuterRef, Q, Sum, Value, When
from django.http import Http404
from django.utils.translation import gettext_lazy as _

from fangkong.core.audit import log_read
from fangkong.core.permissions import CorePerm, Permission
from fangkong.core.scope import get_object_for, scope_of

from .choices import Role
from .models import Person, RoleAssignment, Unit


def get_unit_for(user, code: str, perm: Permission = CorePerm.VIEW) -> Unit:
    return get_object_for(user, Unit.objects.select_related("parent", "liaison"), perm, code=code)


def get_person_for(user, person_id, perm: Permission = CorePerm.VIEW) -> Person:
    try:
        person_id = int(person_id)
    except (TypeError, ValueError) as exc:
        raise Http404 from exc
    person = get_object_for(
        user, Person.objects.select_related("unit", "group"), perm, pk=person_id
    )
    log_read(user, "view", "person", person.pk, person.unit_path)
    return person


def list_root_units(user, perm: Permission = CorePerm.VIEW):
    """The top units of the user's scope for `perm` (default: what they may see): the
    units their roles are held on, or every root unit for a scope over everything."""
    scope = scope_of(user, perm)
    if scope.everything:
        return Unit.objects.filter(parent__isnull=True)
    return Unit.objects.filter(path__in=scope.paths)


def list_units(user, *, parent: Unit | None = None, q: str = ""):
    units = Unit.objects.visible_to(user).select_related("parent")
    if parent is not None:
        units = units.filter(parent=parent)
    if q:
        units = units.filter(Q(name__icontains=q) | Q(code__icontains=q))
    return units


def get_breadcrumbs(user, unit: Unit) -> list[Unit]:
    """The unit's ancestors the user may see, top first, then the unit."""
    scope = scope_of(user)
    ancestors = Unit.objects.filter(pk__in=unit.ancestor_ids).only("pk", "code", "name", "path")
    return [u for u in ancestors if scope.covers(u.path)] + [unit]


def head_count(unit: Unit) -> int:
    """Active people of the subtree: a sum of the units' kept counts (Unit.head_count)."""
    return Unit.objects.subtree(unit).aggregate(n=Sum("head_count"))["n"] or 0


def get_unit_summary(unit: Unit) -> tuple[list[Unit], int, int]:
    """(children, head count of the subtree, head count directly in the unit).

    Each child carries `.head_count` (its whole subtree) and `.child_count`. Two queries
    whatever the size: the children, and the kept head counts of the subtree's units,
    summed per child prefix.
    """
    children: list[Unit] = list(
        Unit.objects.filter(parent=unit)
        .select_related("liaison")
        .annotate(child_count=Count("children"))
        .order_by("sort_order", "code")
    )
    per_path = Unit.objects.subtree(unit).filter(head_count__gt=0).values_list("path", "head_count")
    cut = len(unit.path)
    totals: Counter[str] = Counter()
    for path, n in per_path:
        totals[path[cut:].split("/", 1)[0]] += n
    for child in children:
        child.head_count = totals[str(child.pk)]
    return children, sum(totals.values()), totals[""]


def list_children(unit: Unit) -> list[Unit]:
    return get_unit_summary(unit)[0]


def list_unit_choices(user, limit: int = 300) -> list[Unit]:
    """Units for a subtree picker: the top three levels of the user's scope."""
    scope = scope_of(user)
    # A path "/1/7/" has depth path.count("/") - 2: no query to find the top of the scope.
    shallowest = min((p.count("/") - 2 for p in scope.paths), default=0)
    units = Unit.objects.visible_to(user).only("code", "name", "depth")
    return list(units.filter(depth__lte=shallowest + 2).order_by("path")[:limit])


PICK_LIMIT = 20
PICK_CHILDREN = 200


def _with_children(units):
    return units.annotate(has_children=Exists(Unit.objects.filter(parent=OuterRef("pk"))))


def search_units(
    user, q: str = "", *, perm: Permission = CorePerm.VIEW, limit: int = PICK_LIMIT
) -> list[Unit]:
    """Units for the unit picker, of the user's scope for `perm`: those whose name or code
    contains `q` or whose pinyin initials (`Unit.initials`) contain it, at most `limit`;
    the exact code first, then names, codes and initials starting with `q`, each group in
    tree order. Without `q`: the top units of the scope, to browse from."""
    scope = scope_of(user, perm)
    units = Unit.objects.visible_to(user, perm).select_related("parent")
    units = units.only("code", "name", "path", "kind", "parent__name", "parent__code")
    q = q.strip()
    if not q:
        tops = (
            units.filter(parent__isnull=True)
            if scope.everything
            else units.filter(path__in=scope.paths)
        )
        return list(_with_children(tops).order_by("path")[:limit])
    key = q.lower()
    rank = Case(
        When(code__iexact=q, then=Value(0)),
        When(
            Q(name__startswith=q) | Q(initials__startswith=key) | Q(code__istartswith=q),
            then=Value(1),
        ),
        default=Value(2),
        output_field=IntegerField(),
    )
    found = units.filter(Q(name__icontains=q) | Q(code__icontains=q) | Q(initials__contains=key))
    return list(_with_children(found.annotate(rank=rank)).order_by("rank", "path")[:limit])


def list_pick_children(unit: Unit, limit: int = PICK_CHILDREN) -> list[Unit]:
    """The children of `unit` for expanding the picker's tree (the caller checked that
    `unit` is in scope: its subtree is too), in the tree's order."""
    children = Unit.objects.filter(parent=unit).select_related("parent")
    children = children.only("code", "name", "path", "kind", "parent__name", "parent__code")
    return list(_with_children(children).order_by("sort_order", "code")[:limit])


def search_people(
    user,
    q: str = "",
    *,
    unit: Unit | None = None,
    whole_group: bool = False,
    limit: int = PICK_LIMIT,
) -> list[Person]:
    """People for the people picker, on the roster and in the user's scope: by name, by
    employee number (exact or its start) or by the last digits of the phone (4 or more
    digits typed). `unit` narrows it to that unit's subtree, or with `whole_group` to its
    group (employee numbers are unique only within a group). Without `q`: the first
    people of `unit`, or nobody. Writes the access log as the people list does."""
    from .services import group_of

    people = Person.objects.filter(is_active=Value(True)).visible_to(user).select_related("unit")
    if unit is not None:
        people = people.filter(group=group_of(unit)) if whole_group else people.in_subtree(unit)
    q = q.strip()
    if q:
        match = Q(name__contains=q) | Q(employee_no__istartswith=q)
        if q.isdigit() and len(q) >= 4:
            match |= Q(phone__endswith=q)
        people = people.filter(match)
    elif unit is None:
        return []
    log_read(user, "view", "people_list", unit_path=unit.path if unit else "")
    return list(people.order_by("unit_path", "employee_no")[:limit])


def list_people(
    user, *, unit: Unit | None = None, party: bool | None = None, position: str = "", q: str = ""
):
    # `is_active = true`, not Django's bare `WHERE is_active`: only an equality lets SQLite
    # walk the (is_active, unit_path, employee_no) index in ORDER BY order (no sort).
    people = Person.objects.filter(is_active=Value(True)).select_related("unit")
    if unit is None:
        people = people.visible_to(user)
    elif scope_of(user).covers(unit.path):
        # The unit's range alone: SQLite uses only the first range on unit_path it
        # meets, and the scope's wider range would scan everyone in the scope.
        people = people.in_subtree(unit)
    else:
        people = people.none()
    if party is not None:
        people = people.filter(is_party_member=party)
    if position:
        people = people.filter(position=position)
    if q:
        people = people.filter(Q(name__icontains=q) | Q(employee_no__iexact=q))
    log_read(user, "view", "people_list", unit_path=unit.path if unit else "")
    return people.order_by("unit_path", "employee_no")


def find_liaison(unit: Unit, employee_no: str) -> Person:
    """The person with this employee number in the unit's group, or a field error."""
    from fangkong.core.errors import InvalidInput

    from .services import group_of

    person = Person.objects.filter(group=group_of(unit), employee_no=employee_no).first()
    if person is None:
        raise InvalidInput({"liaison_no": _("No person with this employee number in the group.")})
    return person


def find_user(username: str):
    from django.contrib.auth import get_user_model

    return get_user_model().objects.filter(username=username, is_active=True).first()


def list_liaison_user_ids(units) -> dict[int, set[int]]:
    """Users to tell about each unit's own business: liaisons by role on exactly that
    unit, and the login of the person named as the unit's liaison (联络员)."""
    ids = [u.pk for u in units]
    result: dict[int, set[int]] = defaultdict(set)
    by_role = RoleAssignment.objects.filter(
        unit_id__in=ids, role=Role.LIAISON, user__is_active=True
    )
    for unit_id, user_id in by_role.values_list("unit_id", "user_id"):
        result[unit_id].add(user_id)
    named = Unit.objects.filter(
        pk__in=ids, liaison__is_active=True, liaison__user__is_active=True
    ).values_list("pk", "liaison__user_id")
    for unit_id, user_id in named:
        result[unit_id].add(user_id)
    return result


LEADER_ROLES = (Role.UNIT_ADMIN, Role.LEADING_GROUP)


def nearest_role_holders(units, roles, *, strict: bool = False) -> dict[int, tuple[int, list[int]]]:
    """For each unit, the nearest unit on its line (itself and its ancestors; only the
    ancestors if `strict`) where some active user holds `roles` (one role or several), and
    those users' ids: {unit id: (holder unit id, [user ids])}. Units with nobody up the line
    are left out. One query."""
    roles = [roles] if isinstance(roles, str) else list(roles)
    units = list(units)
    lines = {unit.pk: [unit.pk, *reversed(unit.ancestor_ids)] for unit in units}
    holders: dict[int, set[int]] = defaultdict(set)
    rows = RoleAssignment.objects.filter(
        unit_id__in={pk for line in lines.values() for pk in line},
        role__in=roles,
        user__is_active=True,
    ).values_list("unit_id", "user_id")
    for unit_id, user_id in rows:
        holders[unit_id].add(user_id)
    result = {}
    for unit in units:
        line = lines[unit.pk][1:] if strict else lines[unit.pk]
        nearest = next((pk for pk in line if pk in holders), None)
        if nearest is not None:
            result[unit.pk] = (nearest, sorted(holders[nearest]))
    return result


def list_leader_user_ids(unit: Unit) -> set[int]:
    """The unit's leaders: admins or leading-group members of the nearest unit, going up
    from `unit`, that has any (a department without its own admin answers to the one
    above it)."""
    return set(nearest_role_holders([unit], LEADER_ROLES).get(unit.pk, (None, []))[1])
