"""Who is on duty: notify cannot know (the duty roster lives in a later app), so the duty
app registers a resolver here; incidents and routing ask through `on_duty_user_ids`.
Without a resolver nobody is on duty and messages go to their other recipients only."""

from collections.abc import Callable
from datetime import datetime

# resolver(unit, at, roles) -> {user id}; roles: None for every duty role, else a subset of
# "staff" (值班人员), "manager" (值班经理), "leader" (带班领导).
OnDutyResolver = Callable[..., set[int]]
_resolvers: list[OnDutyResolver] = []


def register_on_duty_resolver(resolver: OnDutyResolver) -> OnDutyResolver:
    if resolver not in _resolvers:
        _resolvers.append(resolver)
    return resolver


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
