"""The ledger as an Excel file: the page's filter, every row, a watermark."""

import json

from django.utils.translation import gettext as _

from fangkong.core.localtime import show
from fangkong.core.xlsx import build_workbook, watermark_line

from . import kinds, queries
from .choices import AnnotationAction, Grade


def columns() -> list[str]:
    return [
        _("Day"),
        _("Unit code"),
        _("Unit"),
        _("Kind"),
        _("Facts"),
        _("Grade"),
        _("Occurrence within 30 days"),
        _("Waived"),
        _("Liaison"),
        _("Liaison phone"),
        _("Notes and waivers"),
        _("Recorded at"),
        _("Facts (data)"),
    ]


def _notes(entry) -> str:
    return "\n".join(
        f"{show(a.at, entry.unit)} {a.actor_name} {AnnotationAction(a.action).label}: {a.text}"
        for a in entry.annotations.all()
    )


def export_workbook(user, f: queries.LedgerFilter) -> bytes:
    scope = f.unit.name if f.unit else _("everything visible")
    watermark = watermark_line(user, f"{scope} {f.start}–{f.end}")
    rows = (
        [
            e.day.isoformat(),
            e.unit.code,
            e.unit.name,
            e.get_kind_display(),
            e.description,
            str(Grade(e.grade).label),
            e.repetition,
            _("yes") if e.waived else _("no"),
            e.liaison_name,
            e.liaison_phone,
            _notes(e),
            show(e.created_at, e.unit),
            json.dumps(e.facts, ensure_ascii=False, sort_keys=True),
        ]
        for e in kinds.prefetch(queries.list_entries(user, f))
    )
    return build_workbook(_("Accountability"), columns(), rows, watermark=watermark)
