"""催办 of missing reports (the overview's 漏报 list), through notify's one mechanism."""

from datetime import date

from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from fangkong.core.errors import InvalidInput
from fangkong.core.permissions import CorePerm
from fangkong.notify.chases import ChaseKind, units_in_scope

from .models import DailyReport, ReportForm


def what(form, day: date) -> str:
    return f"report:{form.code}:{day.isoformat()}"


def _split(ref: str) -> tuple[ReportForm, date]:
    code, _sep, day = ref.partition(":")
    form = ReportForm.objects.filter(code=code, is_active=True).first()
    try:
        parsed = date.fromisoformat(day)
    except ValueError:
        parsed = None
    if form is None or parsed is None:
        raise InvalidInput({"what": _("Name a report form and a day: report:daily:2020-02-03.")})
    return form, parsed


def _resolve(actor, ref: str) -> str:
    if not ref:
        ref = f"daily:{timezone.localdate().isoformat()}"
    form, day = _split(ref)
    return f"{form.code}:{day.isoformat()}"


def _targets(actor, ref: str, codes: list[str]) -> list:
    # Who may see the overview (its subtree) may chase its missing units.
    return units_in_scope(actor, CorePerm.VIEW, codes)


def _pending(ref: str, units: list) -> set[int]:
    form, day = _split(ref)
    return set(
        DailyReport.objects.filter(
            form=form, day=day, unit__in=units, first_filed_at__isnull=True
        ).values_list("unit_id", flat=True)
    )


def _compose(ref: str, unit) -> tuple[object, object, str]:
    form, day = _split(ref)
    values = {"unit": unit.name, "form": form.name, "day": day.strftime("%m-%d")}
    url = reverse("reporting:report", args=[form.code, unit.code, day.isoformat()])
    # Callables: each recipient's copy is rendered in their language.
    return (
        lambda: _("Reminder: %(unit)s has not filed %(form)s of %(day)s") % values,
        _("Please file it now: the cut-off has passed."),
        url,
    )


KIND = ChaseKind(
    code="report",
    label=_("Missing reports"),
    resolve=_resolve,
    targets=_targets,
    compose=_compose,
    pending=_pending,
)
