"""The liaison's daily count (日清单): every item of the unit with yesterday's balance, the
day's receipts, issues and transfers, and the balance; today's consumption of all items is
entered in one form (nothing prefilled: a blank row records nothing, a 0 must be typed),
or uploaded from the page's Excel sheet. Past days are read from the ledger, read-only."""

import uuid
from datetime import date

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from fangkong.core.errors import InvalidInput
from fangkong.core.xlsx import NotExcel, xlsx_response
from fangkong.orgs.queries import get_unit_for

from .. import daily as daily_count
from .. import excel, queries
from .common import own_unit
from .stock import _crumbs, may_keep

# The keys of a refusal that are about the form, not one row.
GENERAL = ("rows", "day")


def _day(request, unit) -> date:
    today = unit.local_date()
    try:
        day = date.fromisoformat(request.GET.get("day") or "")
    except ValueError:
        return today
    return min(day, today)


def _url(unit, day) -> str:
    return f"{reverse('supplies:daily')}?{urlencode({'unit': unit.code, 'day': day.isoformat()})}"


def _posted_rows(post, lines) -> list[daily_count.Row]:
    return [
        daily_count.Row(
            ref=line.item.code,
            item=line.item,
            quantity=post.get(f"q_{line.item.code}", ""),
            purpose=post.get(f"p_{line.item.code}", ""),
        )
        for line in lines
    ]


@login_required
@require_http_methods(["GET", "POST"])
def daily(request):
    unit = own_unit(request)
    day = _day(request, unit)
    today = unit.local_date()
    editable = day == today and may_keep(request.user, unit)
    lines = queries.list_daily_count(request.user, unit, day)
    row_errors, general, posted = {}, [], {}
    if request.method == "POST":
        if not editable:
            raise PermissionDenied
        posted = request.POST
        try:
            outcome = daily_count.record_day(
                actor=request.user,
                unit=unit,
                day=day,
                rows=_posted_rows(request.POST, lines),
                key=request.POST.get("idempotency_key", ""),
            )
        except daily_count.RowsRefused as exc:
            row_errors = exc.rows
            messages.error(request, exc.message)
        except InvalidInput as exc:
            general = [str(m) for k in GENERAL for m in exc.fields.get(k, [])]
            general = general or [str(exc.message)]
        else:
            messages.success(
                request,
                _(
                    "Saved: %(recorded)s items' consumption recorded, %(zeros)s items with "
                    "none used; rows left empty were not saved."
                )
                % {"recorded": outcome.recorded, "zeros": outcome.zeros},
            )
            return redirect(_url(unit, day))
    for line in lines:
        code = line.item.code
        line.typed = posted.get(f"q_{code}", "") if posted else ""
        line.purpose = posted.get(f"p_{code}", "") if posted else ""
        line.errors = [m for _field, m in row_errors.get(code, [])]
    return render(
        request,
        "supplies/daily.html",
        {
            "unit": unit,
            "day": day,
            "today": today,
            "is_today": day == today,
            "editable": editable,
            "lines": lines,
            "general_errors": general,
            "idempotency_key": uuid.uuid4().hex,
            **_crumbs(request, unit, _("Daily count")),
        },
        status=400 if (row_errors or general) else 200,
    )


@login_required
@require_GET
def daily_export(request, code: str):
    unit = get_unit_for(request.user, code)
    day = _day(request, unit)
    return xlsx_response(
        excel.export_daily(user=request.user, unit=unit, day=day),
        f"supplies-daily-{unit.code}-{day.isoformat()}.xlsx",
    )


@login_required
@require_http_methods(["GET", "POST"])
def daily_upload(request, code: str):
    unit = get_unit_for(request.user, code)
    if not may_keep(request.user, unit):
        raise PermissionDenied
    day = unit.local_date()
    row_errors, general = [], []
    if request.method == "POST":
        upload = request.FILES.get("file")
        if upload is None:
            general.append(_("Choose the filled-in sheet to upload."))
        else:
            try:
                outcome = excel.import_daily(actor=request.user, unit=unit, day=day, upload=upload)
            except NotExcel as exc:
                general.append(str(exc))
            except daily_count.RowsRefused as exc:
                general.append(str(exc.message))
                row_errors = excel.row_errors(exc)
            except InvalidInput as exc:
                general += [str(m) for msgs in exc.fields.values() for m in msgs]
            else:
                messages.success(
                    request,
                    _(
                        "Uploaded: %(recorded)s items' consumption recorded, %(zeros)s items "
                        "with none used."
                    )
                    % {"recorded": outcome.recorded, "zeros": outcome.zeros},
                )
                return redirect(_url(unit, day))
    return render(
        request,
        "supplies/daily_upload.html",
        {
            "unit": unit,
            "day": day,
            "row_errors": row_errors,
            "general_errors": general,
            **_crumbs(request, unit, _("Upload the daily count")),
        },
        status=400 if (row_errors or general) else 200,
    )


urlpatterns = [
    path("daily/", daily, name="daily"),
    path("daily/<str:code>/export.xlsx", daily_export, name="daily_export"),
    path("daily/<str:code>/upload/", daily_upload, name="daily_upload"),
]
