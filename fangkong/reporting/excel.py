"""A day's roll-up and the 14-day completeness matrix as Excel files.

The roll-up has the layout of the statistics form: a title row (form, unit, report day,
which figures), the watermark line, a header row, one row per child unit, a totals row.
Not re-importable, so unlike `core.xlsx.build_workbook` the header is not the first row.
The watermark goes where `build_workbook` puts it (page header and footer, a sheet of
its own, the file properties) and also on the second row, in sight. The views log each
export (`core.audit.log_access`).
"""

import io

from django.utils import timezone
from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter

from fangkong.core.xlsx import HEADER_FILL, append_row, clean_cell, watermark_line

from . import queries
from .choices import ReportState

# The page's colours (core/static/fangkong/app.css, .fk-cell-*).
STATE_FILLS = {
    ReportState.ON_TIME: PatternFill("solid", fgColor="D1E7DD"),
    ReportState.LATE: PatternFill("solid", fgColor="FFF3CD"),
    ReportState.MISSING: PatternFill("solid", fgColor="F8D7DA"),
    ReportState.PENDING: PatternFill("solid", fgColor="E9ECEF"),
}
MISSING_FONT = Font(bold=True, color="9C0006")
TOTAL_BORDER = Border(top=Side(style="thin"), bottom=Side(style="double"))
COUNT_COLUMNS = 7  # unit, code, state, filed/expected, zero, late, missing


def _start(title: str, heading: str, watermark: str, columns: list[str], widths: list[int]):
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = clean_cell(title)[:31]
    append_row(sheet, [heading])
    append_row(sheet, [watermark])
    append_row(sheet, columns)
    last = max(len(columns), 1)
    for row, font in ((1, Font(bold=True, size=13)), (2, Font(italic=True, color="808080"))):
        sheet.merge_cells(start_row=row, start_column=1, end_row=row, end_column=last)
        sheet.cell(row, 1).font = font
    for cell in sheet[3]:
        cell.font = Font(bold=True)
        cell.fill = HEADER_FILL
        cell.alignment = Alignment(wrap_text=True, vertical="center", horizontal="center")
    for i, width in enumerate(widths, start=1):
        sheet.column_dimensions[get_column_letter(i)].width = width
    sheet.freeze_panes = "C4"  # unit name and code, and the header, stay in view
    return workbook, sheet


def _save(workbook, sheet, watermark: str) -> bytes:
    watermark = clean_cell(watermark)
    sheet.oddHeader.center.text = watermark
    sheet.oddFooter.center.text = watermark
    info = workbook.create_sheet(_("Export information")[:31])
    append_row(info, [watermark])
    workbook.properties.description = watermark
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def _width(text: str) -> int:
    # CJK characters take two columns.
    return min(30, max(8, sum(2 if ord(c) > 0x2E80 else 1 for c in text) + 2))


def _state(counts: dict) -> tuple[str, str]:
    """The state cell of a row (a child's subtree, or the totals) and its colour."""
    if counts["missing"]:
        if not counts["filed"]:
            return _("Not filed"), ReportState.MISSING
        return _("%(n)s not filed") % {"n": counts["missing"]}, ReportState.MISSING
    if counts["late"]:
        if counts["expected"] == 1:
            return _("Filed late"), ReportState.LATE
        return _("%(n)s filed late") % {"n": counts["late"]}, ReportState.LATE
    if counts["pending"]:
        return _("not due yet"), ReportState.PENDING
    return _("On time"), ReportState.ON_TIME


def _counts_cells(counts: dict) -> list:
    text = _state(counts)[0]
    return [
        text,
        f"{counts['filed']}/{counts['expected']}",
        counts["zero"],
        counts["late"],
        counts["missing"],
    ]


def rollup_workbook(user, form, unit, day, *, as_of_cutoff=False, now=None) -> bytes:
    """The day's roll-up of `unit`'s subtree: one row per child unit (and the unit's own
    report first, if it files), a totals row, units that did not file marked in red."""
    now = now or timezone.now()
    summary = queries.get_summary(form, unit, day, as_of_cutoff=as_of_cutoff, now=now)
    rows = queries.list_child_breakdown(form, unit, day, as_of_cutoff=as_of_cutoff, now=now)
    fields = [f for f in summary["fields"] if f.code in summary["totals"]]
    labels = [f"{f.label}（{f.unit_of_measure}）" if f.unit_of_measure else f.label for f in fields]
    columns = [
        _("Unit"),
        _("Unit code"),
        _("State"),
        _("Filed / expected"),
        _("Zero reports"),
        _("Late"),
        _("Missing"),
    ] + labels
    widths = [32, 18, 14, 10, 8, 8, 8] + [_width(label) for label in labels]
    as_of = _("as of the cut-off") if as_of_cutoff else _("now (with corrections)")
    heading = _("%(form)s — %(unit)s, report day %(day)s, figures %(as_of)s") % {
        "form": form.name,
        "unit": unit.name,
        "day": day.isoformat(),
        "as_of": as_of,
    }
    watermark = watermark_line(user, f"{unit.name} {day.isoformat()}")
    workbook, sheet = _start(_("Roll-up"), heading, watermark, columns, widths)

    for row in rows:
        name = _("(this unit itself)") if row.get("itself") else row["unit"].name
        totals = row["totals"]
        append_row(
            sheet,
            [name, row["unit"].code, *_counts_cells(row), *[totals.get(f.code) for f in fields]],
        )
        state = _state(row)[1]
        cells = sheet[sheet.max_row]
        if state == ReportState.MISSING and not row["filed"]:
            for cell in cells:  # nothing filed in this subtree: the whole row
                cell.fill = STATE_FILLS[state]
            cells[2].font = MISSING_FONT
        elif state == ReportState.MISSING:
            for i in (2, 6):  # the state and missing cells
                cells[i].fill = STATE_FILLS[state]
                cells[i].font = MISSING_FONT
        elif state != ReportState.ON_TIME:
            cells[2].fill = STATE_FILLS[state]
    totals = summary["totals"]
    append_row(
        sheet,
        [_("Total"), unit.code, *_counts_cells(summary), *[totals.get(f.code) for f in fields]],
    )
    state = _state(summary)[1]
    cells = sheet[sheet.max_row]
    for cell in cells:
        cell.font = Font(bold=True)
        cell.border = TOTAL_BORDER
    cells[2].fill = STATE_FILLS[state]
    if state == ReportState.MISSING:
        cells[2].font = MISSING_FONT
    for row in sheet.iter_rows(min_row=4, min_col=4, max_col=4):
        row[0].alignment = Alignment(horizontal="right")
    return _save(workbook, sheet, watermark)


def matrix_workbook(user, form, unit, day, *, now=None) -> bytes:
    """Child units × the 14 days ending on `day`: each cell "filed/expected" in that
    child's subtree, coloured like the page (on time, late, missing, not due yet)."""
    days, rows = queries.get_matrix(form, unit, day, now=now)
    columns = [_("Unit"), _("Unit code")] + [d.isoformat() for d in days]
    heading = _("%(form)s — %(unit)s, completeness from %(start)s to %(end)s") % {
        "form": form.name,
        "unit": unit.name,
        "start": days[0].isoformat(),
        "end": days[-1].isoformat(),
    }
    watermark = watermark_line(user, f"{unit.name} {days[0].isoformat()}–{days[-1].isoformat()}")
    workbook, sheet = _start(
        _("Completeness"), heading, watermark, columns, [32, 18] + [11] * len(days)
    )
    centre = Alignment(horizontal="center")
    for row in rows:
        append_row(
            sheet,
            [
                row["unit"].name,
                row["unit"].code,
                *[f"{c['filed']}/{c['expected']}" if c else "" for c in row["cells"]],
            ],
        )
        for cell, data in zip(sheet[sheet.max_row][2:], row["cells"], strict=True):
            cell.alignment = centre
            if data:
                cell.fill = STATE_FILLS[data["state"]]
                if data["state"] == ReportState.MISSING:
                    cell.font = MISSING_FONT
    append_row(sheet, [])
    for state, label in (
        (ReportState.ON_TIME, _("all on time")),
        (ReportState.LATE, _("some late")),
        (ReportState.MISSING, _("some missing")),
        (ReportState.PENDING, _("not due yet")),
    ):
        append_row(sheet, ["", label])
        sheet.cell(sheet.max_row, 2).fill = STATE_FILLS[state]
    append_row(sheet, [_("Each cell: filed / expected in that unit's subtree.")])
    return _save(workbook, sheet, watermark)
