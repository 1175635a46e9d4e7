"""The daily count (日清单) as an Excel sheet, out and in, in the layout of its page: one
row per item with the day's figures from the ledger and two columns to fill (what was
used today, where). Exports carry the watermark (core.xlsx); an upload is read with
core.xlsx.read_rows and recorded through `daily.record_day`: every row or none, with the
wrong rows listed (an unknown item, a word where a number goes, more than in stock)."""

from datetime import date, datetime

from django.utils.translation import gettext as _

from fangkong.core.xlsx import RowError, build_workbook, read_rows, text, watermark_line

from . import daily, queries
from .models import Item


def columns() -> dict[str, str]:
    """Field → column title, in the sheet's order (titles in the reader's language)."""
    return {
        "day": _("Day"),
        "item": _("Item code"),
        "name": _("Item name"),
        "uom": _("Unit of measure"),
        "opening": _("Opening balance"),
        "received": _("Received on the day"),
        "issued": _("Issued on the day"),
        "sent": _("Sent on the day"),
        "adjusted": _("Counts and reversals"),
        "closing": _("Balance"),
        "quantity": _("Used today"),
        "purpose": _("Site or purpose"),
    }


def export_daily(*, user, unit, day: date) -> bytes:
    titles = columns()
    today = day == unit.local_date()
    rows = [
        [
            day.isoformat(),
            line.item.code,
            line.item.name,
            line.item.unit_of_measure,
            line.opening,
            line.received,
            line.issued,
            line.sent,
            line.adjusted,
            line.closing,
            None,
            None,
        ]
        for line in queries.list_daily_count(user, unit, day)
    ]
    notes = [
        _("Daily count of %(unit)s for %(day)s.") % {"unit": unit.name, "day": day.isoformat()},
        _(
            "Type in “%(used)s” what was used of each item today (0 if none); leave it empty "
            "for an item nobody counted. “%(purpose)s” may be left empty."
        )
        % {"used": titles["quantity"], "purpose": titles["purpose"]},
        _(
            "Upload the sheet on the daily count page the same day: one wrong row and nothing is saved."
        ),
    ]
    if not today:
        notes.insert(1, _("This day is past: the sheet is a record from the ledger."))
    return build_workbook(
        _("Daily count"),
        list(titles.values()),
        rows,
        watermark=watermark_line(user, unit.name),
        notes=notes,
    )


def _day(value) -> date | None:
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(text(value))
    except ValueError:
        return None


def import_daily(*, actor, unit, day: date, upload) -> daily.Outcome:
    """Record the sheet's consumption (raises core.xlsx.NotExcel for a file that is not
    one of ours, daily.RowsRefused with `row_errors` for wrong rows)."""
    titles = columns()
    headers = {titles[f]: f for f in ("day", "item", "name", "quantity", "purpose")}
    rows = read_rows(upload, headers, required=[titles["item"], titles["quantity"]])
    items = {i.code: i for i in Item.objects.all()}
    by_name = {i.name: i for i in items.values()}
    typed = []
    for number, values in rows:
        quantity = text(values.get("quantity"))
        if not quantity:
            continue  # nobody counted it: nothing to record
        code, name = text(values.get("item")), text(values.get("name"))
        item = items.get(code) if code else by_name.get(name)
        row = daily.Row(
            ref=number,
            item=item,
            quantity=quantity,
            purpose=text(values.get("purpose")),
            item_text=code or name,
        )
        if values.get("day") not in (None, ""):
            sheet_day = _day(values.get("day"))
            if sheet_day is None:
                row.day_error = _("Not a date: %(value)s.") % {"value": text(values.get("day"))}
            elif sheet_day != day:
                row.day_error = _(
                    "This row is of %(sheet)s: only today's (%(day)s) consumption can be entered."
                ) % {"sheet": sheet_day.isoformat(), "day": day.isoformat()}
        typed.append(row)
    return daily.record_day(actor=actor, unit=unit, day=day, rows=typed)


def row_errors(exc: daily.RowsRefused) -> list[RowError]:
    titles = columns()
    return [
        RowError(number, titles.get(name, ""), str(message))
        for number, problems in sorted(exc.rows.items())
        for name, message in problems
    ]
