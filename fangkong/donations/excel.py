"""Excel of donations: the gift import template (the same columns the import reads), the
thank-you list (致谢名单) by unit, watermarked as every export."""

from decimal import Decimal

from django.utils.translation import gettext as _

from fangkong.core.xlsx import build_workbook, watermark_line

from .models import Campaign, yuan
from .queries import Totals
from .services import COLUMNS


def gift_template(campaign: Campaign, examples) -> bytes:
    """`examples`: (unit code, unit name) rows to start from."""
    titles = [t + ("*" if t in ("单位编码", "金额（元）") else "") for _f, t in COLUMNS]
    rows = [[code, name, "", "", "", campaign.start_day.isoformat(), ""] for code, name in examples]
    notes = [
        _("One gift per row. 单位编码 and 金额（元） are required."),
        _(
            "Leave 工号 empty for the unit's collective gift; with 工号, 姓名 is checked against the roster."
        ),
        _("Amounts in yuan with at most two decimals, without separators (1200.50)."),
        _(
            "The upload is all or nothing: if one row is wrong, nothing is saved and every "
            "problem is listed by row and column."
        ),
    ]
    return build_workbook(campaign.name[:31], titles, rows, notes=notes)


def thanks_workbook(user, campaign: Campaign, totals: Totals) -> bytes:
    rows = [[r.unit.name, Decimal(yuan(r.total_fen)), r.donors] for r in totals.rows if r.gifts]
    rows.sort(key=lambda r: -r[1])
    rows.append([_("Total"), Decimal(yuan(totals.total_fen)), totals.donors])
    return build_workbook(
        _("Thank-you list"),
        [_("Unit"), _("Amount (yuan)"), _("Donors")],
        rows,
        watermark=watermark_line(user, totals.unit.name),
    )
