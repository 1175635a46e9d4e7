"""Login with rate limiting and bearer tokens, shared by the UI, the admin and the API.

One throttle for every way in (issue 10). The (account, address) pair is locked after
LOGIN_MAX_FAILURES failures inside LOGIN_LOCKOUT_MINUTES. One account failing from
any address, or one address failing on any accounts, is only slowed down: after the
threshold each next try waits 1, 2, 4 … seconds (at most LOGIN_SLOWDOWN_MAX_SECONDS)
after the last failure. Locking the account for everybody would let anyone lock a duty
manager out during an incident; locking the address would lock a whole office behind
one NAT.
"""

import functools
import math
from datetime import datetime, timedelta
from typing import NamedTuple

from django.conf import settings
from django.contrib.auth import authenticate
from django.db import transaction
from django.db.models import QuerySet
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from .models import ApiToken, LoginFailure, hash_token
from .permissions import CorePerm
from .scope import scope_of

LOCKED_OUT = "locked_out"
SLOWED_DOWN = "slowed_down"
# One address may stand for a whole office (NAT): it is slowed after more failures.
ADDRESS_BUDGET_FACTOR = 4


class Refusal(NamedTuple):
    """Why a login try is refused before its password is checked."""

    code: str  # LOCKED_OUT | SLOWED_DOWN
    retry_after: int  # seconds, at least 1


def _seconds_until(moment: datetime, now: datetime) -> int:
    return max(1, math.ceil((moment - now).total_seconds()))


def _slowdown_until(failures: QuerySet, threshold: int) -> datetime | None:
    """When the next try is accepted after `failures` (newest first), or None."""
    count = failures.count()
    if count < threshold:
        return None
    wait = min(2 ** min(count - threshold, 32), settings.LOGIN_SLOWDOWN_MAX_SECONDS)
    last = failures.values_list("at", flat=True).first()
    return last + timedelta(seconds=wait)


def login_refusal(username: str, ip: str | None) -> Refusal | None:
    """Whether a login try of `username` from `ip` is refused now, and for how long."""
    now = timezone.now()
    window = timedelta(minutes=settings.LOGIN_LOCKOUT_MINUTES)
    recent = LoginFailure.objects.filter(at__gte=now - window).order_by("-at")
    account = recent.filter(username__iexact=username)
    pair = account.filter(ip=ip)  # ip=None is IS NULL
    limit = settings.LOGIN_MAX_FAILURES
    # The pair is free again when its limit-th newest failure leaves the window.
    pair_times = list(pair.values_list("at", flat=True)[:limit])
    if len(pair_times) >= limit:
        return Refusal(LOCKED_OUT, _seconds_until(pair_times[-1] + window, now))
    waits = [_slowdown_until(account, limit)]
    if ip:
        waits.append(_slowdown_until(recent.filter(ip=ip), limit * ADDRESS_BUDGET_FACTOR))
    until = max((w for w in waits if w is not None), default=None)
    if until is not None and until > now:
        return Refusal(SLOWED_DOWN, _seconds_until(until, now))
    return None


def check_credentials(request, username: str, password: str):
    """Return (user, refusal). A refused try is answered without checking the password;
    otherwise user is None on a wrong password (the failure is recorded) and a success
    clears the failures of this (account, address) pair."""
    from .audit import client_ip

    ip = client_ip(request) if request is not None else None
    refusal = login_refusal(username, ip)
    if refusal is not None:
        return None, refusal
    user = authenticate(request, username=username, password=password)
    if user is None:
        LoginFailure.objects.create(username=username[:150], ip=ip)
        return None, None
    LoginFailure.objects.filter(username__iexact=username, ip=ip).delete()
    return user, None


@transaction.atomic
def create_token(user, name: str) -> tuple[ApiToken, str]:
    raw = ApiToken.new_raw()
    token = ApiToken.objects.create(
        user=user, name=name[:100] or "API", key_hash=hash_token(raw), hint=raw[:7]
    )
    return token, raw


def revoke_token(user, token_id: int) -> bool:
    return bool(
        ApiToken.objects.filter(user=user, pk=token_id, revoked_at=None).update(
            revoked_at=timezone.now()
        )
    )


def user_for_token(raw: str):
    if not raw or not raw.startswith(ApiToken.PREFIX):
        return None
    token = (
        ApiToken.objects.select_related("user")
        .filter(key_hash=hash_token(raw), revoked_at=None, user__is_active=True)
        .first()
    )
    if token is None:
        return None
    now = timezone.now()
    # Touch at most once a minute: a busy client should not write on every call.
    if token.last_used_at is None or now - token.last_used_at > timedelta(minutes=1):
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
    return token.user


class RevokeTokensOnPasswordChange:
    """A password "validator" (AUTH_PASSWORD_VALIDATORS) for its `password_changed` hook:
    Django calls it after every save of a new password (set_password, the password
    change and reset forms, `changepassword`), so a stolen API token dies with the
    old password (issue 10)."""

    def validate(self, password, user=None):
        return None

    def password_changed(self, password, user=None):
        if user is not None and user.pk is not None:
            ApiToken.objects.filter(user=user, revoked_at=None).update(revoked_at=timezone.now())

    def get_help_text(self):
        return _("Changing your password revokes your API tokens.")


def may_use_api(user) -> bool:
    """API tokens and the API's documentation are for the users given API access
    (CorePerm.USE_API: system and unit admins), not for every liaison."""
    return bool(user and user.is_authenticated and not scope_of(user, CorePerm.USE_API).empty)


def docs_access(view):
    """The API's documentation pages: for a session user or a bearer token with API access."""

    @functools.wraps(view)
    def wrapper(request, *args, **kwargs):
        user = getattr(request, "user", None)
        if user is None or not user.is_authenticated:
            header = request.headers.get("Authorization", "")
            user = user_for_token(header.removeprefix("Bearer ").strip())
        if not may_use_api(user):
            raise Http404
        return view(request, *args, **kwargs)

    return wrapper
