"""Checks of input shared by the inspections' entry points (pages, API, demo): photos."""

import os

from django.utils.translation import gettext_lazy as _

from fangkong.core.errors import InvalidInput

MAX_PHOTOS = 6
MAX_PHOTO_BYTES = 10 * 1024 * 1024
PHOTO_TYPES = {".jpg", ".jpeg", ".png", ".heic", ".webp"}


def check_photos(files, field: str = "photos") -> list:
    """Uploaded photos: at most MAX_PHOTOS, each a JPG, PNG, HEIC or WebP under 10 MB."""
    files = [f for f in (files or ()) if f]
    if len(files) > MAX_PHOTOS:
        raise InvalidInput({field: _("At most %(n)s photos.") % {"n": MAX_PHOTOS}})
    for f in files:
        name = os.path.basename(getattr(f, "name", "") or "")
        if not name or len(name) > 200:
            raise InvalidInput({field: _("A photo needs a name of at most 200 characters.")})
        if os.path.splitext(name)[1].lower() not in PHOTO_TYPES:
            raise InvalidInput(
                {field: _("%(name)s: only JPG, PNG, HEIC or WebP photos.") % {"name": name}}
            )
        if (getattr(f, "size", 0) or 0) > MAX_PHOTO_BYTES:
            raise InvalidInput({field: _("%(name)s is larger than 10 MB.") % {"name": name}})
    return files
