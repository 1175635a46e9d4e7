"""Enter once: figures of a unit's daily report that other capabilities can derive from
their own records (staff health: check-ins, cases, observations, trips). The report page
starts from them, the liaison confirms or corrects, and a filed figure that differs from
the derived one is flagged to the superior.

A unit's report counts its own people: those placed in the unit or in a descendant that
files no report of its own that day (so a subsidiary and its heat stations never count a
person twice when the subtree is summed). Providers get the unit, the day and the paths
to leave out, and return {field code: value} for the fields they know.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

from fangkong.core.scope import minimal_paths

from .models import DailyReport

Provider = Callable[..., dict]
_providers: list[Provider] = []


def register_prefill(provider: Provider) -> Provider:
    """Register `provider(unit, day, exclude: tuple[str, ...]) -> {field: value}`."""
    _providers.append(provider)
    return provider


def excluded_paths(form, unit, day: date) -> tuple[str, ...]:
    """The subtrees inside `unit` that file their own report of `form` on `day`."""
    paths = (
        DailyReport.objects.filter(form=form, day=day)
        .in_subtree(unit, include_self=False)
        .values_list("unit_path", flat=True)
    )
    return minimal_paths(paths)


def derived_values(form, unit, day: date) -> dict:
    """What the providers derive for the form's numeric fields ({} without providers)."""
    if not _providers:
        return {}
    codes = {f.code for f in form.current_fields() if f.is_numeric}
    exclude = excluded_paths(form, unit, day)
    values: dict = {}
    for provider in _providers:
        values.update(provider(unit, day, exclude))
    return {k: v for k, v in values.items() if k in codes}


def mismatches(filed: dict | None, derived: dict | None) -> list[str]:
    """Fields whose filed figure differs from the derived one."""
    if not filed or not derived:
        return []
    out = []
    for code, value in derived.items():
        got = filed.get(code)
        if got is None:
            continue
        try:
            if float(got) != float(value):
                out.append(code)
        except (TypeError, ValueError):
            continue
    return out


def is_outside(path: str, exclude: tuple[str, ...]) -> bool:
    return not any(path.startswith(p) for p in exclude)


def notify_mismatch(*, report_id: int, revision_id: int) -> None:
    """After a filing, compare its figures with the derived ones and, where they differ,
    tell the epidemic office above the unit (a follow-up of the filing, core.followups;
    one message per revision). The comparison is not in the filing's transaction: it sums
    the unit's subtree in every provider, and a filing must stay a few milliseconds at a
    province's morning peak; the worker does it within seconds. Only the report's latest
    revision is compared (a later filing has its own follow-up). Idempotent: the message
    key is the revision."""
    from .models import ReportRevision

    revision = ReportRevision.objects.get(pk=revision_id)
    report = (
        DailyReport.objects.select_for_update(of=("self",))
        .select_related("unit", "form")
        .get(pk=revision.report_id)
    )
    if report.revision_count != revision.number:
        return
    report.derived_values = derived_values(report.form, report.unit, report.day) or None
    report.mismatched_fields = mismatches(report.values, report.derived_values)
    report.save(update_fields=["derived_values", "mismatched_fields"])
    if not report.mismatched_fields:
        return
    from django.urls import reverse
    from django.utils.translation import gettext as _

    from fangkong.notify.services import queue
    from fangkong.orgs.choices import Role
    from fangkong.orgs.queries import nearest_role_holders

    offices = nearest_role_holders([report.unit], Role.OFFICE, strict=True)
    if report.unit_id not in offices:
        return
    labels = {f.code: f.label for f in report.form.current_fields()}
    differences = "; ".join(
        f"{labels.get(code, code)} {report.values.get(code)} / {report.derived_values.get(code)}"
        for code in report.mismatched_fields
    )
    values = {"unit": report.unit.name, "day": report.day.isoformat(), "list": differences}
    queue(
        key=f"mismatch:{report.pk}:{revision.number}",
        topic="mismatch",
        unit=report.unit,
        subject=lambda: (
            _("%(unit)s filed figures that differ from its health data (%(day)s)") % values
        ),
        body=lambda: (
            _("Filed / derived from check-ins, cases, observations and trips: %(list)s") % values
        ),
        users=offices[report.unit_id][1],
        url=reverse(
            "reporting:report", args=[report.form.code, report.unit.code, report.day.isoformat()]
        ),
    )
