"""Login with rate limiting and bearer tokens, shared by the UI and the API."""

from datetime import timedelta

from django.conf import settings
from django.contrib.auth import authenticate
from django.db import transaction
from django.utils import timezone

from .models import ApiToken, LoginFailure, hash_token


def is_locked_out(username: str, ip: str | None) -> bool:
    since = timezone.now() - timedelta(minutes=settings.LOGIN_LOCKOUT_MINUTES)
    recent = LoginFailure.objects.filter(at__gte=since)
    if recent.filter(username__iexact=username).count() >= settings.LOGIN_MAX_FAILURES:
        return True
    # An address trying many usernames is locked out too (a wider budget for shared NAT).
    return bool(ip) and recent.filter(ip=ip).count() >= settings.LOGIN_MAX_FAILURES * 4


def check_credentials(request, username: str, password: str):
    """Return (user, locked): user is None on failure; a failure is recorded."""
    from .audit import client_ip

    ip = client_ip(request) if request is not None else None
    if is_locked_out(username, ip):
        return None, True
    user = authenticate(request, username=username, password=password)
    if user is None:
        LoginFailure.objects.create(username=username[:150], ip=ip)
        return None, False
    LoginFailure.objects.filter(username__iexact=username).delete()
    return user, False


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
