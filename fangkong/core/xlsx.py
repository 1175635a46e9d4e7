"""Excel helpers shared by every import and export: the one bounded reader of uploaded
sheets, the one writer of workbooks (with a watermark: who exported what, when), and the
row error report of imports."""

import io
import logging
import zipfile
from dataclasses import dataclass, field

from django.conf import settings
from django.http import HttpResponse
from django.template.defaultfilters import filesizeformat
from django.utils import timezone
from django.utils.translation import gettext as _
from openpyxl import Workbook, load_workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Font, PatternFill

logger = logging.getLogger(__name__)

HEADER_FILL = PatternFill("solid", fgColor="DDEBF7")
YES = {"是", "y", "yes", "true", "1", "√", "✓"}
NO = {"否", "n", "no", "false", "0", ""}

# Bounds of an uploaded workbook (issue 10: a 5 KB file declaring A1:XFD1048576 held a
# worker 30 s). The byte, unpacked-byte and row limits are settings (IMPORT_MAX_*); these
# follow from the files we read and from the zip format:
# - our widest sheet has 11 columns: nothing past column 60 is a column of ours;
MAX_COLUMNS = 60
# - after this many empty rows in a row the rest is formatting left below the data
#   (empty rows cost nothing to skip, but a million of them cost seconds);
MAX_BLANK_RUN = 1000
# - a workbook is about ten parts; thousands of parts are not a sheet;
MAX_PARTS = 500
# - sheet XML packs 10–25 times; deflate's ceiling is about 1,000: a part over 1 MB that
#   packed more than 200 times is a zip bomb, not data.
MAX_RATIO = 200
RATIO_FLOOR = 1024 * 1024


class NotExcel(Exception):
    """An upload refused as a whole; the message (translated) says why, to the user."""


@dataclass
class RowError:
    """One problem of an import: its row in the sheet, the column by its title as the
    file shows it ("" for the row as a whole), the message. Every import report lists
    these, with the same template (core/_row_errors.html)."""

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


def _size(upload) -> int:
    size = getattr(upload, "size", None)
    if size is None:  # a plain file object
        position = upload.tell()
        size = upload.seek(0, io.SEEK_END)
        upload.seek(position)
    return int(size)


def check_upload(upload) -> None:
    """Refuse, before any sheet is parsed, a file too large, not a zip, or a zip that
    unpacks to far more than a sheet (a zip bomb). Reads only the zip's directory: the
    sizes it declares bound what can be unpacked (zipfile stops at the declared size)."""
    if _size(upload) > settings.IMPORT_MAX_BYTES:
        raise NotExcel(
            _("The file is larger than %(size)s; split it into several files.")
            % {"size": filesizeformat(settings.IMPORT_MAX_BYTES)}
        )
    not_excel = NotExcel(_("This is not an Excel file (.xlsx)."))
    upload.seek(0)
    try:
        with zipfile.ZipFile(upload) as archive:
            parts = archive.infolist()
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, ValueError, EOFError) as exc:
        raise not_excel from exc
    finally:
        upload.seek(0)
    names = {p.filename for p in parts}
    if "[Content_Types].xml" not in names or "xl/workbook.xml" not in names:
        raise not_excel  # a .docx, a zipped folder …
    too_big = NotExcel(
        _("The file unpacks to more than %(size)s: that is not a sheet of ours.")
        % {"size": filesizeformat(settings.IMPORT_MAX_UNPACKED_BYTES)}
    )
    if len(parts) > MAX_PARTS:
        raise too_big
    if sum(p.file_size for p in parts) > settings.IMPORT_MAX_UNPACKED_BYTES:
        raise too_big
    for part in parts:
        if part.file_size > RATIO_FLOOR and part.file_size > MAX_RATIO * max(part.compress_size, 1):
            raise too_big


def _blank(value) -> bool:
    return value is None or (isinstance(value, str) and value.strip() == "")


def read_rows(upload, headers: dict[str, str], required: list[str], max_rows: int | None = None):
    """Return [(row_number, {field: value})] from the first sheet of an uploaded .xlsx.

    `headers` maps a column title (as in the template, a trailing "*" ignored) to a
    field name; columns are found by title in the first row, so their order does not
    matter. Bounded whatever the file says about itself: `check_upload` first, then the
    sheet is streamed (read-only mode), its declared dimension ignored, only columns up
    to the last title (at most MAX_COLUMNS) read, empty rows skipped and reading stopped
    after MAX_BLANK_RUN of them in a row, and refused past `max_rows` data rows.
    Raises NotExcel with a message for an unreadable file, missing columns or too many
    rows; never anything else for whatever bytes come in.
    """
    max_rows = settings.IMPORT_MAX_ROWS if max_rows is None else max_rows
    check_upload(upload)
    try:
        workbook = load_workbook(upload, read_only=True, data_only=True)
    except Exception as exc:  # untrusted bytes through a third-party parser: never a 500
        logger.info("unreadable upload: %r", exc)
        raise NotExcel(_("This is not an Excel file (.xlsx).")) from exc
    try:
        return _rows_of(workbook, headers, required, max_rows)
    except NotExcel:
        raise
    except Exception as exc:
        logger.info("unreadable sheet: %r", exc)
        raise NotExcel(_("This is not an Excel file (.xlsx).")) from exc
    finally:
        workbook.close()


def _rows_of(workbook, headers, required, max_rows):
    if not workbook.worksheets:
        raise NotExcel(_("This is not an Excel file (.xlsx)."))
    sheet = workbook.worksheets[0]
    sheet.reset_dimensions()  # the declared dimension is the file's word, not ours
    rows = sheet.iter_rows(max_col=MAX_COLUMNS, values_only=True)
    title_row = next(rows, None) or ()
    titles = [str(t).strip().rstrip("*") if t is not None else "" for t in title_row]
    absent = [t for t in required if t not in titles]
    if absent:
        raise NotExcel(
            _("Missing columns: %(columns)s. Start from the template.")
            % {"columns": ", ".join(absent)}
        )
    index = {headers[t]: i for i, t in enumerate(titles) if t in headers}
    used = sorted(set(index.values()))
    result = []
    blank_run = 0
    for number, values in enumerate(rows, start=2):
        if all(_blank(values[i]) for i in used if i < len(values)):
            blank_run += 1
            if blank_run >= MAX_BLANK_RUN:
                break  # formatting left below the data
            continue
        blank_run = 0
        if len(result) >= max_rows:
            raise NotExcel(_("The file has more than %(n)s rows.") % {"n": max_rows})
        result.append(
            (number, {name: values[i] if i < len(values) else None for name, i in index.items()})
        )
    return result


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


def clean_cell(value):
    """A value as a cell can hold it: text without the control characters a workbook
    cannot contain (old rows may have them: \\u0007, NUL), everything else as it is."""
    if isinstance(value, str):
        return ILLEGAL_CHARACTERS_RE.sub("", value)
    return value


def append_row(sheet, values) -> None:
    """Append a row to a sheet being exported; every export writes its rows through here.
    Text is always text: openpyxl would take "=…" (a name typed by a user) for a formula."""
    sheet.append([clean_cell(v) for v in values])
    for cell in sheet[sheet.max_row]:
        if isinstance(cell.value, str) and cell.value.startswith("="):
            cell.data_type = "s"


def build_workbook(
    title: str, columns: list[str], rows, *, watermark: str = "", notes: list[str] | None = None
) -> bytes:
    """A workbook with one data sheet (header row first, so it can be re-imported) and,
    for exports, a watermark in the page header and on a second sheet."""
    workbook = Workbook(write_only=False)
    sheet = workbook.active
    sheet.title = clean_cell(title)[:31]
    append_row(sheet, columns)
    for cell in sheet[1]:
        cell.font = Font(bold=True)
        cell.fill = HEADER_FILL
    for row in rows:
        append_row(sheet, row)
    for i, name in enumerate(columns, start=1):
        sheet.column_dimensions[sheet.cell(1, i).column_letter].width = max(10, len(name) * 2 + 2)
    sheet.freeze_panes = "A2"
    watermark = clean_cell(watermark)
    if watermark:
        sheet.oddHeader.center.text = watermark
        sheet.oddFooter.center.text = watermark
        info = workbook.create_sheet(_("Export information")[:31])
        append_row(info, [watermark])
        workbook.properties.description = watermark
    if notes:
        help_sheet = workbook.create_sheet(_("Instructions")[:31])
        for line in notes:
            append_row(help_sheet, [line])
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
