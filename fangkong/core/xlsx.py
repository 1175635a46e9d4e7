"""Excel helpers shared by every import and export: reading sheets safely, writing
workbooks with a watermark (who exported what, when), and the row error report."""

import io
import zipfile
from dataclasses import dataclass, field

from django.http import HttpResponse
from django.utils import timezone
from django.utils.translation import gettext as _
from openpyxl import Workbook, load_workbook
from openpyxl.styles import Font, PatternFill
from openpyxl.utils.exceptions import InvalidFileException

HEADER_FILL = PatternFill("solid", fgColor="DDEBF7")
YES = {"是", "y", "yes", "true", "1", "√", "✓"}
NO = {"否", "n", "no", "false", "0", ""}


class NotExcel(Exception):
    pass


@dataclass
class RowError:
    row: int
    column: str
    message: str


@dataclass
class ImportResult:
    imported: int = 0
    created: int = 0
    updated: int = 0
    errors: list[RowError] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors

    def add(self, row: int, column: str, message) -> None:
        self.errors.append(RowError(row, column, str(message)))


def read_rows(upload, headers: dict[str, str], required: list[str], max_rows: int):
    """Return [(row_number, {field: value})] from the first sheet.

    `headers` maps a column title (as in the template, a trailing "*" ignored) to a
    field name; columns are found by title, so their order does not matter.
    Raises NotExcel with a message for an unreadable file or missing columns.
    """
    try:
        workbook = load_workbook(upload, read_only=True, data_only=True)
    except (InvalidFileException, zipfile.BadZipFile, KeyError, OSError, ValueError) as exc:
        raise NotExcel(_("This is not an Excel file (.xlsx).")) from exc
    try:
        rows = workbook.worksheets[0].iter_rows(values_only=True)
        title_row = next(rows, None) or ()
        titles = [str(t).strip().rstrip("*") if t is not None else "" for t in title_row]
        absent = [t for t in required if t not in titles]
        if absent:
            raise NotExcel(
                _("Missing columns: %(columns)s. Start from the template.")
                % {"columns": ", ".join(absent)}
            )
        index = {headers[t]: i for i, t in enumerate(titles) if t in headers}
        result = []
        for number, values in enumerate(rows, start=2):
            if values is None or all(v is None or str(v).strip() == "" for v in values):
                continue
            if len(result) >= max_rows:
                raise NotExcel(_("The file has more than %(n)s rows.") % {"n": max_rows})
            result.append(
                (
                    number,
                    {name: values[i] if i < len(values) else None for name, i in index.items()},
                )
            )
        return result
    finally:
        workbook.close()


def text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).strip()


def yes_no(value) -> bool | None:
    word = text(value).lower()
    if word in YES:
        return True
    if word in NO:
        return False
    return None


def build_workbook(
    title: str, columns: list[str], rows, *, watermark: str = "", notes: list[str] | None = None
) -> bytes:
    """A workbook with one data sheet (header row first, so it can be re-imported) and,
    for exports, a watermark in the page header and on a second sheet."""
    workbook = Workbook(write_only=False)
    sheet = workbook.active
    sheet.title = title[:31]
    sheet.append(columns)
    for cell in sheet[1]:
        cell.font = Font(bold=True)
        cell.fill = HEADER_FILL
    for row in rows:
        sheet.append(list(row))
    for i, name in enumerate(columns, start=1):
        sheet.column_dimensions[sheet.cell(1, i).column_letter].width = max(10, len(name) * 2 + 2)
    sheet.freeze_panes = "A2"
    if watermark:
        sheet.oddHeader.center.text = watermark
        sheet.oddFooter.center.text = watermark
        info = workbook.create_sheet(_("Export information")[:31])
        info.append([watermark])
        workbook.properties.description = watermark
    if notes:
        help_sheet = workbook.create_sheet(_("Instructions")[:31])
        for line in notes:
            help_sheet.append([line])
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def watermark_line(user, scope_label: str) -> str:
    now = timezone.localtime().strftime("%Y-%m-%d %H:%M")
    return _(
        "Exported by %(user)s at %(time)s, scope %(scope)s — sensitive personal data, do not forward"
    ) % {
        "user": user.get_username(),
        "time": now,
        "scope": scope_label,
    }


XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def xlsx_response(data: bytes, filename: str) -> HttpResponse:
    """A workbook as a download."""
    response = HttpResponse(data, content_type=XLSX_CONTENT_TYPE)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response
