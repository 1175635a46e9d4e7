"""The check-in sheet: a template listing the people of a unit not yet checked in, its
upload (all or nothing, errors by sheet row and column), and the exports of the
overview's tabs (watermarked)."""

from datetime import date

from django.conf import settings
from django.utils.translation import gettext as _

from fangkong.core.localtime import show
from fangkong.core.xlsx import (
    NotExcel,
    RowError,
    build_workbook,
    read_rows,
    text,
    watermark_line,
)
from fangkong.orgs.models import Unit

from .choices import Category, Source, Symptom, Whereabouts
from .models import CheckIn
from .queries import checkins as queries
from .services import checkins as services

COLUMNS = [
    ("employee_no", "工号"),
    ("name", "姓名"),
    ("temperature", "体温(℃)"),
    ("symptoms", "症状"),
    ("whereabouts", "今日所在"),
    ("risk_contact", "14天内接触风险地区人员"),
    ("case_contact", "14天内接触确诊或疑似病例"),
    ("category", "人员类别"),
]
REQUIRED = ["工号", "体温(℃)"]
TITLES = dict(COLUMNS)  # field → its column title, as the sheet shows it


def _label(choices, code) -> str:
    return str(dict(choices.choices).get(code, code))


def template_workbook(unit: Unit, day: date) -> bytes:
    """The unit's active people (its whole subtree) not yet checked in on `day`, one row
    each, the usual answers filled in: only the temperature and the exceptions are left to
    type. Who checked in already (themselves, or entered by someone) is not listed: the
    liaison has nothing to do for them, and a row would only risk replacing their entry."""
    people = list(queries.not_checked_in(unit, day))
    defaults = services.default_categories(people, day)
    rows = [
        (
            p.employee_no,
            p.name,
            "",
            "无",
            _label(Whereabouts, Whereabouts.AT_POST),
            "否",
            "否",
            _label(Category, defaults[p.pk]),
        )
        for p in people
    ]
    notes = [
        _(
            "Health check-ins of %(unit)s for %(day)s. Type each person's temperature in °C "
            "(for example 36.5) and change only what is not as usual."
        )
        % {"unit": unit.name, "day": day},
        _("Symptoms: none, or several of %(list)s, separated by commas.")
        % {"list": "、".join(str(label) for _c, label in Symptom.choices)},
        _("Where today: %(list)s.")
        % {"list": "、".join(str(lb) for _c, lb in Whereabouts.choices)},
        _("Category: %(list)s.") % {"list": "、".join(str(lb) for _c, lb in Category.choices)},
        _(
            "Only the people not checked in for %(day)s when the sheet was made are listed; "
            "check-ins of the day are on the check-in page."
        )
        % {"day": day},
        _(
            "The upload is all or nothing: if one row is wrong, nothing is saved and every "
            "wrong row is listed."
        ),
    ]
    return build_workbook(_("Check-ins"), [title for _f, title in COLUMNS], rows, notes=notes)


def import_workbook(*, actor, unit: Unit, day: date, upload) -> services.Outcome:
    """Raises NotExcel for an unreadable sheet, InvalidInput (by row) for bad rows."""
    rows = read_rows(upload, {title: f for f, title in COLUMNS}, REQUIRED, settings.IMPORT_MAX_ROWS)
    if not rows:
        raise NotExcel(_("The sheet has no rows."))
    batch = []
    for number, values in rows:
        raw = {k: text(v) for k, v in values.items() if k != "name"}
        raw["_row"] = number
        batch.append(raw)
    return services.check_in_unit(
        actor=actor,
        unit=unit,
        day=day,
        rows=batch,
        source=Source.EXCEL,
        limit=settings.IMPORT_MAX_ROWS,
        labels=TITLES,
    )


def row_errors(refused: services.RowsRefused) -> list[RowError]:
    """The refusal of an upload as the import report: row by row, each field by its
    column title."""
    return [RowError(p.row, TITLES.get(p.field, ""), p.message) for p in refused.problems]


def _temperature(c: CheckIn):
    return "" if c.temperature is None else float(c.temperature)


def _name(user) -> str:
    return (user.get_full_name() or user.get_username()) if user is not None else ""


def entered_label(c: CheckIn) -> str:
    """The person's own check-in, a proxy entry (how, by whom), or vouched for."""
    if c.vouched_by_id:
        return _("as reported, vouched by %(who)s") % {"who": _name(c.vouched_by)}
    if c.is_proxy:
        who = _name(c.entered_by)
        return " · ".join(x for x in (str(_("proxy entry")), _label(Source, c.source), who) if x)
    return str(_("own check-in"))


TABS = ("missing", "fever", "all")


def export_workbook(*, user, unit: Unit, day: date, tab: str = "all") -> bytes:
    """The list of a tab of the check-in overview, as the tab shows it: the people not
    checked in (未晨检), the fever check-ins, or all check-ins of the day."""
    scope = f"{unit.name} {day}"
    if tab == "missing":
        people = list(queries.not_checked_in(unit, day))
        columns = ["工号", "姓名", "单位", "手机"]
        rows = [(p.employee_no, p.name, p.unit.name, p.phone) for p in people]
        return build_workbook(
            _("Not checked in"), columns, rows, watermark=watermark_line(user, scope)
        )
    checkins = CheckIn.objects.in_subtree(unit).filter(day=day)
    if tab == "fever":
        checkins = checkins.filter(is_fever=True)
    checkins = list(
        checkins.select_related("person", "unit", "entered_by", "vouched_by").order_by(
            "unit_path", "person__employee_no"
        )
    )
    rows = [
        (
            c.person.employee_no,
            c.person.name,
            _temperature(c),
            "、".join(_label(Symptom, s) for s in c.symptoms) or "无",
            _label(Whereabouts, c.whereabouts),
            "是" if c.risk_contact else "否",
            "是" if c.case_contact else "否",
            _label(Category, c.category),
            c.unit.name,
            show(c.checked_in_at, c.unit),
            # The way each was entered (虚报, seed 004: a proxy entry is marked wherever
            # it is shown).
            entered_label(c),
        )
        for c in checkins
    ]
    columns = [title for _f, title in COLUMNS] + ["单位", "填报时间", "填报方式"]
    return build_workbook(_("Check-ins"), columns, rows, watermark=watermark_line(user, scope))
