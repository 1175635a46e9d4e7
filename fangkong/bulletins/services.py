"""Writes of the daily bulletin 《疫情防控工作动态》 (M15).

Guarantees:
- a bulletin is one per unit and day, numbered per unit and year (第N期) in the order
  generated; its figures are the apps' own (figures.collect) as of a stated moment and kept
  as a snapshot, so it reads the same whenever it is opened; regenerating a draft takes the
  figures again (a new as-of time) and keeps what the office wrote;
- a bulletin for a day after the unit's today, or as of a moment after now, is refused;
- draft → edited by the office → approved by a leading-group member who did not edit it →
  published; an approved or published bulletin is not edited or regenerated;
- publishing records the publication and sends the bulletin up to the superior's office
  and down to the units below as a notice with read receipts (`send_up_and_down`); every
  change is an audit entry.
"""

from __future__ import annotations

from datetime import date, datetime

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Max
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.html import format_html
from django.utils.translation import gettext as _

from fangkong.core.audit import record_change
from fangkong.core.errors import Conflict, InvalidInput, ServiceError
from fangkong.core.permissions import require
from fangkong.notices.services import issue_notice
from fangkong.orgs.choices import UnitKind
from fangkong.orgs.models import Unit

from . import figures
from .choices import FREE_SECTIONS, BulletinState
from .models import Bulletin, Statement
from .permissions import BulletinPerm

TEXT_MAX = 20000


class OwnEdit(ServiceError):
    status = 403

    def __init__(self):
        message = _("The bulletin is approved by a leading-group member who did not edit it.")
        super().__init__("own_edit", message, {"approve": [message]})
        self.status = 403


def _check_day(unit: Unit, day: date, as_of: datetime) -> None:
    now = timezone.now()
    if day > unit.local_date(now):
        raise InvalidInput({"day": [_("A bulletin for a day in the future cannot be made.")]})
    if as_of > now:
        raise InvalidInput({"as_of": [_("The as-of time cannot be in the future.")]})
    if unit.local_date(as_of) < day:
        raise InvalidInput({"as_of": [_("The as-of time is before the bulletin's day.")]})


def default_as_of(unit: Unit, day: date) -> datetime:
    """Today's bulletin is as of now; a past day's as of the end of that day."""
    now = timezone.now()
    if day >= unit.local_date(now):
        return now
    end = datetime.combine(day, datetime.max.time(), tzinfo=unit.tzinfo)
    return min(end.replace(microsecond=0), now)


def _next_number(unit: Unit, year: int) -> int:
    top = Bulletin.objects.filter(unit=unit, year=year).aggregate(n=Max("number"))["n"]
    return (top or 0) + 1


@transaction.atomic
def generate_bulletin(
    *, actor, unit: Unit, day: date | None = None, as_of: datetime | None = None
) -> Bulletin:
    """The draft bulletin of `unit` for `day` (default: the unit's today) with its figures
    as of `as_of`; an existing draft is refreshed, an approved or published one refused."""
    require(actor, BulletinPerm.EDIT_BULLETINS, unit.path)
    day = day or unit.local_date()
    as_of = as_of or default_as_of(unit, day)
    _check_day(unit, day, as_of)
    sections = figures.collect(actor, unit, as_of)
    bulletin = Bulletin.objects.select_for_update().filter(unit=unit, day=day).first()
    if bulletin is not None and bulletin.state != BulletinState.DRAFT:
        raise Conflict("not_draft", _("This bulletin is approved already; it is not made again."))
    if bulletin is None:
        try:
            with transaction.atomic():
                bulletin = Bulletin.objects.create(
                    unit=unit,
                    unit_path=unit.path,
                    day=day,
                    year=day.year,
                    number=_next_number(unit, day.year),
                    as_of=as_of,
                    sections=sections,
                    generated_by=actor,
                )
        except IntegrityError as exc:
            raise Conflict("exists", _("The bulletin is being made by someone else.")) from exc
        record_change(actor, "bulletin_generate", bulletin, unit.path, {"as_of": as_of.isoformat()})
        return bulletin
    bulletin.as_of = as_of
    bulletin.sections = sections
    bulletin.generated_at = timezone.now()
    bulletin.generated_by = actor
    bulletin.save(update_fields=["as_of", "sections", "generated_at", "generated_by"])
    record_change(actor, "bulletin_regenerate", bulletin, unit.path, {"as_of": as_of.isoformat()})
    return bulletin


def _locked(bulletin: Bulletin) -> Bulletin:
    return Bulletin.objects.select_for_update().select_related("unit").get(pk=bulletin.pk)


@transaction.atomic
def edit_bulletin(*, actor, bulletin: Bulletin, **texts: str) -> Bulletin:
    """The office writes the free sections (leaders' instructions, deeds, next steps)."""
    require(actor, BulletinPerm.EDIT_BULLETINS, bulletin.unit_path)
    bulletin = _locked(bulletin)
    if bulletin.state != BulletinState.DRAFT:
        raise Conflict("not_draft", _("An approved bulletin is not edited."))
    names = {code for code, _label in FREE_SECTIONS}
    unknown = set(texts) - names
    if unknown:
        raise InvalidInput({k: [_("Not a section of the bulletin.")] for k in sorted(unknown)})
    errors = {
        k: [_("At most %(n)s characters.") % {"n": TEXT_MAX}]
        for k, v in texts.items()
        if len(v or "") > TEXT_MAX
    }
    if errors:
        raise InvalidInput(errors)
    changes = {}
    for k, v in texts.items():
        v = (v or "").strip()
        if getattr(bulletin, k) != v:
            changes[k] = v
            setattr(bulletin, k, v)
    if changes:
        bulletin.edited_at = timezone.now()
        bulletin.edited_by = actor
        bulletin.save()
        record_change(actor, "bulletin_edit", bulletin, bulletin.unit_path, sorted(changes))
    return bulletin


@transaction.atomic
def approve_bulletin(*, actor, bulletin: Bulletin) -> Bulletin:
    """A leading-group member signs the bulletin off — never the one who edited it."""
    require(actor, BulletinPerm.APPROVE_BULLETINS, bulletin.unit_path)
    bulletin = _locked(bulletin)
    if bulletin.state != BulletinState.DRAFT:
        raise Conflict("not_draft", _("This bulletin is approved already."))
    if actor.pk in {bulletin.edited_by_id, bulletin.generated_by_id}:
        raise OwnEdit()
    bulletin.state = BulletinState.APPROVED
    bulletin.approved_at = timezone.now()
    bulletin.approved_by = actor
    bulletin.save(update_fields=["state", "approved_at", "approved_by"])
    record_change(actor, "bulletin_approve", bulletin, bulletin.unit_path)
    return bulletin


@transaction.atomic
def publish_bulletin(*, actor, bulletin: Bulletin) -> Bulletin:
    """Publish an approved bulletin: recorded, then sent up and down."""
    require(actor, BulletinPerm.EDIT_BULLETINS, bulletin.unit_path)
    bulletin = _locked(bulletin)
    if bulletin.state == BulletinState.DRAFT:
        raise Conflict("not_approved", _("The bulletin must be approved before it is published."))
    if bulletin.state == BulletinState.PUBLISHED:
        raise Conflict("published", _("This bulletin is published already."))
    bulletin.state = BulletinState.PUBLISHED
    bulletin.published_at = timezone.now()
    bulletin.published_by = actor
    bulletin.notice = send_up_and_down(bulletin, actor)
    bulletin.save(update_fields=["state", "published_at", "published_by", "notice"])
    record_change(actor, "bulletin_publish", bulletin, bulletin.unit_path)
    return bulletin


def title_of(bulletin: Bulletin) -> str:
    return _("Epidemic prevention and control work bulletin")


def number_of(bulletin: Bulletin) -> str:
    return _("No. %(n)s, %(year)s") % {"n": bulletin.number, "year": bulletin.year}


def send_up_and_down(bulletin: Bulletin, actor):
    """Send the published bulletin up to the superior and down to the departments and
    companies below (not the sites) as a notice of the unit (`notices.services.issue_notice`, issued at once: the bulletin was
    approved by the leading group): each receiving unit has its receipt, read and 签收, and
    the issuer's notice page shows who has not. Returns the notice (None for a unit with
    neither a superior nor units below)."""
    unit = bulletin.unit
    recipients = list(Unit.objects.filter(parent=unit).order_by("sort_order", "code"))
    if unit.parent_id:
        recipients.insert(0, Unit.objects.get(pk=unit.parent_id))
    if not recipients:
        return None
    url = reverse("bulletins:detail", args=[unit.code, bulletin.day.isoformat()])
    facts = {"unit": unit.name, "day": bulletin.day.strftime("%m-%d"), "no": bulletin.number}
    with translation.override(settings.LANGUAGE_CODE):  # stored text: the site's language
        title = _("%(unit)s bulletin of %(day)s (No. %(no)s)") % facts
        body = format_html(
            '<p>{}</p><p><a href="{}">{}</a></p>',
            _("The day's figures and the office's notes, as approved by the leading group."),
            url,
            _("Open the bulletin"),
        )
    # Down to the departments and companies (下发各部门、各单位), not to every site.
    kinds = [kind for kind in UnitKind.values if kind != UnitKind.SITE]
    return issue_notice(
        actor=actor, issuer=unit, title=title, body=body, recipients=recipients, unit_kinds=kinds
    )


# --- the one voice (统一口径) ---------------------------------------------------------------


@transaction.atomic
def write_statement(
    *, actor, unit: Unit, title: str, body: str, bulletin: Bulletin | None = None
) -> Statement:
    require(actor, BulletinPerm.PUBLISH_STATEMENTS, unit.path)
    title, body = (title or "").strip(), (body or "").strip()
    errors = {}
    if not title:
        errors["title"] = [_("A title is needed.")]
    elif len(title) > 200:
        errors["title"] = [_("At most %(n)s characters.") % {"n": 200}]
    if not body:
        errors["body"] = [_("The text is needed.")]
    elif len(body) > TEXT_MAX:
        errors["body"] = [_("At most %(n)s characters.") % {"n": TEXT_MAX}]
    if errors:
        raise InvalidInput(errors)
    statement = Statement.objects.create(
        unit=unit, unit_path=unit.path, title=title, body=body, bulletin=bulletin, created_by=actor
    )
    record_change(actor, "statement_write", statement, unit.path)
    return statement


@transaction.atomic
def publish_statement(*, actor, statement: Statement) -> Statement:
    require(actor, BulletinPerm.PUBLISH_STATEMENTS, statement.unit_path)
    statement = Statement.objects.select_for_update().get(pk=statement.pk)
    if statement.published:
        raise Conflict("published", _("This statement is published already."))
    statement.published = True
    statement.published_at = timezone.now()
    statement.save(update_fields=["published", "published_at"])
    record_change(actor, "statement_publish", statement, statement.unit_path)
    return statement
