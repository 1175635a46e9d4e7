"""Password-less links (a person's check-in link, a site's QR code): a signed token naming
the owner row and the link row's nonce. The link rows live in their apps (one live link per
owner, a unique constraint); this module signs and reads the tokens and issues and revokes
the rows, the same for every kind of link. Revoking or reissuing kills the old code at once.

    SIGNER = LinkSigner("fangkong.sites.site-link")
    token = SIGNER.token(link.site_id, link.nonce)
    site_id, nonce = SIGNER.read(token)  # or LinkError("invalid")
"""

from __future__ import annotations

import secrets
from datetime import datetime

from django.core import signing
from django.db import transaction

from .locking import lock_rows


class LinkError(Exception):
    """A link that cannot be used: `reason` is "invalid", "revoked", "expired" or "closed"."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


class LinkSigner:
    def __init__(self, salt: str):
        self._signer = signing.Signer(salt=salt)

    def token(self, owner_id, nonce: str) -> str:
        return self._signer.sign(f"{owner_id}.{nonce}")

    def read(self, token: str) -> tuple[str, str]:
        """(owner id, nonce) of a token; LinkError("invalid") if it was not signed here."""
        try:
            owner_id, nonce = self._signer.unsign(token).split(".", 1)
        except (signing.BadSignature, ValueError):
            raise LinkError("invalid") from None
        return owner_id, nonce


@transaction.atomic
def issue_links(
    link_model, owner_field: str, owners, *, actor, now: datetime, reissue: bool = False, **fields
) -> list:
    """A live link for each owner (kept if it has one, unless `reissue`: then the old one is
    revoked and a new one made), new rows with `fields` besides. Returns the live links in
    the order given. The caller checks the actor may."""
    owners = list(owners)
    ids = [o.pk for o in owners]
    owner_model = link_model._meta.get_field(owner_field).related_model
    lock_rows(owner_model, ids)  # two issuers at once make one link (the unique constraint)
    key = f"{owner_field}_id"
    live = {
        getattr(link, key): link
        for link in link_model.objects.select_for_update().filter(
            **{f"{key}__in": ids, "revoked_at__isnull": True}
        )
    }
    if reissue and live:
        link_model.objects.filter(pk__in=[link.pk for link in live.values()]).update(
            revoked_at=now, revoked_by=actor
        )
        live = {}
    fresh = [
        link_model(
            **{owner_field: o},
            nonce=secrets.token_urlsafe(9),
            created_by=actor,
            created_at=now,
            **fields,
        )
        for o in owners
        if o.pk not in live
    ]
    link_model.objects.bulk_create(fresh)
    live.update({getattr(link, key): link for link in fresh})
    return [live[o.pk] for o in owners]


def revoke_links(link_model, owner_field: str, owner, *, actor, now: datetime) -> int:
    """Revoke the owner's live link: its URL and QR code stop working at once."""
    return link_model.objects.filter(**{owner_field: owner, "revoked_at__isnull": True}).update(
        revoked_at=now, revoked_by=actor
    )
