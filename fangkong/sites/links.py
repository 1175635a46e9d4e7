"""The sites' password-less QR links (printed on the wall of each site, like the personal
check-in links of health), through core.links: a signed token naming the site and the link
row's nonce. Revoking or reissuing kills the old code at once; a closed site's code shows
nothing."""

from __future__ import annotations

from datetime import datetime

from django.utils import timezone

from fangkong.core import links
from fangkong.core.links import LinkError
from fangkong.core.permissions import require
from fangkong.orgs.models import Unit

from .models import SiteLink
from .permissions import SitesPerm

SIGNER = links.LinkSigner("fangkong.sites.site-link")

__all__ = ["LinkError", "issue_links", "link_token", "live_links", "resolve_link", "revoke_link"]


def link_token(link: SiteLink) -> str:
    return SIGNER.token(link.site_id, link.nonce)


def resolve_link(token: str, now: datetime | None = None) -> SiteLink:
    """The live link behind a token, with its site, or LinkError."""
    site_id, nonce = SIGNER.read(token)
    link = SiteLink.objects.select_related("site").filter(nonce=nonce, site_id=site_id).first()
    if link is None:
        raise LinkError("invalid")
    if link.revoked_at is not None:
        raise LinkError("revoked")
    if not link.site.is_open_on(link.site.local_date(now)):
        raise LinkError("closed")
    return link


def issue_links(*, actor, sites, reissue: bool = False, now=None) -> list[SiteLink]:
    """A live link for each site (kept if it has one, unless `reissue`: then the old one
    is revoked and a new one made). Returns the live links in the order given."""
    sites = list(sites)
    for site in sites:
        require(actor, SitesPerm.MANAGE_SCHEDULES, site.path)
    return links.issue_links(
        SiteLink, "site", sites, actor=actor, reissue=reissue, now=now or timezone.now()
    )


def revoke_link(*, actor, site: Unit, now=None) -> int:
    require(actor, SitesPerm.MANAGE_SCHEDULES, site.path)
    return links.revoke_links(SiteLink, "site", site, actor=actor, now=now or timezone.now())


def live_links(sites) -> dict[int, SiteLink]:
    return {
        link.site_id: link
        for link in SiteLink.objects.filter(
            site_id__in=[s.pk for s in sites], revoked_at__isnull=True
        )
    }
