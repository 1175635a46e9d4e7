"""Excel downloads of the completeness pages: a day's roll-up and the 14-day matrix.

Scoped exactly like the pages (the same parameters; a unit outside the user's scope is
a 404), watermarked, and each download written to the access log.
"""

from django.contrib.auth.decorators import login_required
from django.views.decorators.http import require_GET

from fangkong.core.audit import log_access
from fangkong.core.xlsx import xlsx_response

from . import excel
from .views import _overview_params


@login_required
@require_GET
def rollup_export(request):
    """The overview's day as a statistics form: a row per child unit, totals, missing marked."""
    form, unit, day = _overview_params(request)
    as_of_cutoff = request.GET.get("as_of") == "cutoff"
    data = excel.rollup_workbook(request.user, form, unit, day, as_of_cutoff=as_of_cutoff)
    as_of = "cutoff" if as_of_cutoff else "now"
    log_access(request, "export", "report_rollup", form.code, unit.path,
               detail=f"excel {unit.code} {day.isoformat()} {as_of}")  # fmt: skip
    return xlsx_response(data, f"fangkong-{form.code}-{unit.code}-{day.isoformat()}.xlsx")


@login_required
@require_GET
def matrix_export(request):
    """The 14-day completeness matrix ending on the chosen day."""
    form, unit, day = _overview_params(request)
    data = excel.matrix_workbook(request.user, form, unit, day)
    log_access(request, "export", "report_matrix", form.code, unit.path,
               detail=f"excel {unit.code} 14 days to {day.isoformat()}")  # fmt: skip
    return xlsx_response(data, f"fangkong-{form.code}-{unit.code}-matrix-{day.isoformat()}.xlsx")
