"""The sites' password-less QR links (printed on the wall of each site, like the personal
check-in links of health): a signed token naming the site and the link row's nonce.
Revoking or reissuing kills the old code at once; a closed site's code shows nothing."""

from __future__ import annotations

import secrets
from datetime import datetime

from django.core import signing
from django.db import transaction
from django.utils import timezone

from fangkong.core.locking import lock_rows
from fangkong.core.permissions import require
from fangkong.orgs.models import Unit

from .models import SiteLink
from .permissions import SitesPerm

TOKEN_SALT = "fangkong.sites.site-link"


def _signer() -> signing.Signer:
    return signing.Signer(salt=TOKEN_SALT)


def link_token(link: SiteLink) -> str:
    return _signer().sign(f"{link.site_id}.{link.nonce}")


class LinkError(Exception):
    """A link that cannot be used: `reason` is "invalid", "revoked" or "closed"."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


def resolve_link(token: str, now: datetime | None = None) -> SiteLink:
    """The live link behind a token, with its site, or LinkError."""
    try:
        site_id, nonce = _signer().unsign(token).split(".", 1)
    except (signing.BadSignature, ValueError):
        raise LinkError("invalid") from None
    link = SiteLink.objects.select_related("site").filter(nonce=nonce, site_id=site_id).first()
    if link is None:
        raise LinkError("invalid")
    if link.revoked_at is not None:
        raise LinkError("revoked")
    if not link.site.is_open_on(link.site.local_date(now)):
        raise LinkError("closed")
    return link


@transaction.atomic
def issue_links(*, actor, sites, reissue: bool = False, now=None) -> list[SiteLink]:
    """A live link for each site (kept if it has one, unless `reissue`: then the old one
    is revoked and a new one made). Returns the live links in the order given."""
    now = now or timezone.now()
    sites = list(sites)
    for site in sites:
        require(actor, SitesPerm.MANAGE_SCHEDULES, site.path)
    ids = [s.pk for s in sites]
    lock_rows(Unit, ids)  # two issuers at once make one link (sites_one_live_link)
    live = {
        link.site_id: link
        for link in SiteLink.objects.select_for_update().filter(
            site_id__in=ids, revoked_at__isnull=True
        )
    }
    if reissue and live:
        SiteLink.objects.filter(pk__in=[link.pk for link in live.values()]).update(
            revoked_at=now, revoked_by=actor
        )
        live = {}
    fresh = [
        SiteLink(site=s, nonce=secrets.token_urlsafe(9), created_by=actor, created_at=now)
        for s in sites
        if s.pk not in live
    ]
    SiteLink.objects.bulk_create(fresh)
    live.update({link.site_id: link for link in fresh})
    return [live[s.pk] for s in sites]


@transaction.atomic
def revoke_link(*, actor, site: Unit, now=None) -> int:
    require(actor, SitesPerm.MANAGE_SCHEDULES, site.path)
    return SiteLink.objects.filter(site=site, revoked_at__isnull=True).update(
        revoked_at=now or timezone.now(), revoked_by=actor
    )


def live_links(sites) -> dict[int, SiteLink]:
    return {
        link.site_id: link
        for link in SiteLink.objects.filter(
            site_id__in=[s.pk for s in sites], revoked_at__isnull=True
        )
    }
