"""The morning bulletin (`bulletins.morning`): at each unit's BULLETIN_HOUR (local), a
draft of today's bulletin for every group and SASAC that has an epidemic office, made as
one of that office's people (their scope, their reads logged). Idempotent: a unit that has
today's bulletin is left alone; one failing unit is logged and the others go on."""

import logging

from django.db import transaction
from django.utils import timezone

from fangkong.orgs.choices import Role, UnitKind
from fangkong.orgs.models import RoleAssignment, Unit

from . import services
from .models import Bulletin

log = logging.getLogger(__name__)
BULLETIN_HOUR = 8  # 截至每日8时
KINDS = (UnitKind.GROUP, UnitKind.SASAC)


def morning(now=None) -> dict:
    now = now or timezone.now()
    made = failed = 0
    units = Unit.objects.filter(kind__in=KINDS)
    for unit in units:
        local = timezone.localtime(now, unit.tzinfo)
        if local.hour < BULLETIN_HOUR:
            continue
        day = local.date()
        if Bulletin.objects.filter(unit=unit, day=day).exists():
            continue
        office = (
            RoleAssignment.objects.filter(unit=unit, role=Role.OFFICE, user__is_active=True)
            .select_related("user")
            .order_by("id")
            .first()
        )
        if office is None:
            continue
        try:
            with transaction.atomic():
                services.generate_bulletin(actor=office.user, unit=unit, day=day, as_of=now)
            made += 1
        except Exception:
            log.exception("The morning bulletin of %s failed", unit.code)
            failed += 1
    return {"made": made, "failed": failed}
