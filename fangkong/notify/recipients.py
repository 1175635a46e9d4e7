"""Who is on duty: notify cannot know (the duty roster lives in a later app), so the duty
app registers a resolver here; incidents and routing ask through `on_duty_user_ids`.
Without a resolver nobody is on duty and messages go to their other recipients only."""

from collections.abc import Callable
from datetime import datetime

# resolver(unit, at, roles) -> {user id}; roles: None for every duty role, else a subset of
# "staff" (值班人员), "manager" (值班经理), "leader" (带班领导).
OnDutyResolver = Callable[..., set[int]]
# roster(unit, user_id, at) -> (on the roster of the unit's duty room, start of their next
# shift there or None): so a page can tell an off-duty duty manager why they cannot act.
RosterResolver = Callable[..., tuple[bool, datetime | None]]
# contacts(unit, at) -> {"room": name, "room_phone", "unit": Unit, "people": [{"role": label,
# "name", "phone"}]} or None: whom a person reporting to `unit` calls (the incident form).
ContactsResolver = Callable[..., dict | None]
_resolvers: list[OnDutyResolver] = []
_rosters: list[RosterResolver] = []
_contacts: list[ContactsResolver] = []


def register_on_duty_resolver(
    resolver: OnDutyResolver,
    *,
    roster: RosterResolver | None = None,
    contacts: ContactsResolver | None = None,
) -> OnDutyResolver:
    if resolver not in _resolvers:
        _resolvers.append(resolver)
    if roster is not None and roster not in _rosters:
        _rosters.append(roster)
    if contacts is not None and contacts not in _contacts:
        _contacts.append(contacts)
    return resolver


def on_duty_contacts(unit, at: datetime | None = None) -> dict | None:
    """The duty room serving `unit` and the people on duty there now, with their phones
    (None without a resolver or a room)."""
    from django.utils import timezone

    at = at or timezone.now()
    for resolver in _contacts:
        found = resolver(unit, at)
        if found:
            return found
    return None


def roster_standing(unit, user_id: int, at: datetime | None = None):
    """(whether the user is on the roster of the duty room serving `unit`, the start of
    their next shift there or None); (False, None) without a resolver."""
    from django.utils import timezone

    at = at or timezone.now()
    on_roster, starts = False, None
    for resolver in _rosters:
        found, next_start = resolver(unit, user_id, at)
        on_roster = on_roster or found
        if next_start is not None and (starts is None or next_start < starts):
            starts = next_start
    return on_roster, starts


def on_duty_user_ids(unit, at: datetime | None = None, roles=None) -> set[int]:
    """The users on duty for `unit` at `at` (default now), resolved up the tree by the
    registered resolver (a unit without a duty room of its own is served by the nearest
    one above it)."""
    from django.utils import timezone

    at = at or timezone.now()
    users: set[int] = set()
    for resolver in _resolvers:
        users |= set(resolver(unit, at, roles))
    return users
