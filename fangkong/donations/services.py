"""Writes of donations. Guarantees: each write runs in one transaction and checks the
actor's permission on the unit concerned; amounts are integer fen, parsed from what people
type (full-width digits, "元", "¥") and never through a float; a gift is refused outside
its campaign's subtree, before it opened, in the future or after it closed; an Excel
import is all or nothing with a report row by row; what is passed to the recipient never
exceeds what was collected; goods received or given are one line of the supplies ledger
written in the same transaction (`supplies.services.record_receipt` / `record_issue`)."""

import re
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Sum
from django.utils.translation import gettext_lazy as _

from fangkong.core.audit import record_change
from fangkong.core.errors import Conflict, InvalidInput
from fangkong.core.numbers import normalize_number, parse_decimal
from fangkong.core.permissions import require
from fangkong.core.xlsx import ImportResult, NotExcel, read_rows
from fangkong.core.xlsx import text as cell_text
from fangkong.orgs.models import Person, Unit
from fangkong.supplies import services as supplies
from fangkong.supplies.choices import Source
from fangkong.supplies.models import Item

from .choices import CampaignState, GiftSource, GoodsDirection
from .models import Campaign, Gift, GoodsDonation, Remittance, yuan
from .permissions import DonationPerm

MANAGE = DonationPerm.MANAGE_CAMPAIGNS
ENTER = DonationPerm.ENTER_GIFTS
# One gift above ten million yuan is a typing error, not a gift (absurd amounts refused).
MAX_GIFT_FEN = 10_000_000 * 100
MAX_TARGET_FEN = 10_000_000_000 * 100
MAX_ATTACHMENT_BYTES = 20 * 1024 * 1024
_CURRENCY = re.compile(r"^[¥￥]|(人民币)|元$")


def parse_amount(value, field: str = "amount", *, maximum: int = MAX_GIFT_FEN) -> int:
    """An amount in yuan as typed ("1200", "１２００．５０", "1200.5元", "¥80") → fen.
    Refused: zero or less, more than two decimals, above `maximum`, thousands separators
    ("1,200" might be 1.2 or 1,200: we do not guess), anything else."""
    if isinstance(value, int) and not isinstance(value, bool):
        number = Decimal(value)
    elif isinstance(value, Decimal):
        number = value
    elif isinstance(value, str):
        raw = _CURRENCY.sub("", normalize_number(value)).strip()
        if not raw:
            raise InvalidInput({field: _("Give the amount in yuan.")})
        if "," in raw:
            raise InvalidInput({field: _("Write the amount without separators, e.g. 1200.50.")})
        try:
            number = parse_decimal(raw)
        except ValueError:
            raise InvalidInput({field: _("Give the amount in yuan, e.g. 1200.50.")}) from None
    else:  # a float (or a bool) is never money
        raise InvalidInput({field: _("Give the amount in yuan as text, e.g. 1200.50.")})
    fen = number * 100
    if fen != fen.to_integral_value():
        raise InvalidInput({field: _("At most two decimals (fen).")})
    if fen <= 0:
        raise InvalidInput({field: _("Give an amount above zero.")})
    if fen > maximum:
        raise InvalidInput(
            {field: _("At most %(n)s yuan: check the amount.") % {"n": yuan(maximum)}}
        )
    return int(fen)


def _line(value, field: str, max_length: int, *, required: bool = False) -> str:
    value = (value or "").strip()
    if required and not value:
        raise InvalidInput({field: _("This field is required.")})
    if len(value) > max_length:
        raise InvalidInput({field: _("At most %(n)s characters.") % {"n": max_length}})
    return value


def _file(upload, field: str = "receipt"):
    if upload is not None and upload.size > MAX_ATTACHMENT_BYTES:
        raise InvalidInput({field: _("%(name)s is larger than 20 MB.") % {"name": upload.name}})
    return upload


@transaction.atomic
def create_campaign(
    *,
    actor,
    unit: Unit,
    name: str,
    recipient: str,
    start_day: date,
    call_text: str = "",
    target=None,
    end_day: date | None = None,
) -> Campaign:
    """A call to donate of `unit`'s office, for its subtree."""
    require(actor, MANAGE, unit.path)
    name = _line(name, "name", 100, required=True)
    recipient = _line(recipient, "recipient", 100, required=True)
    if not isinstance(start_day, date):
        raise InvalidInput({"start_day": _("Give the day the call was made.")})
    if end_day is not None and end_day < start_day:
        raise InvalidInput({"end_day": _("The end comes after the start.")})
    target_fen = None
    if target not in (None, ""):
        target_fen = parse_amount(target, "target", maximum=MAX_TARGET_FEN)
    campaign = Campaign.objects.create(
        unit=unit,
        unit_path=unit.path,
        name=name,
        call_text=(call_text or "").strip()[:5000],
        start_day=start_day,
        end_day=end_day,
        target_fen=target_fen,
        recipient=recipient,
        created_by=actor,
    )
    record_change(actor, "create", campaign, unit.path)
    return campaign


@transaction.atomic
def close_campaign(*, actor, campaign: Campaign) -> Campaign:
    campaign = Campaign.objects.select_for_update().get(pk=campaign.pk)
    require(actor, MANAGE, campaign.unit_path)
    if campaign.state == CampaignState.CLOSED:
        raise Conflict("already_closed", _("This campaign is already closed."))
    campaign.state = CampaignState.CLOSED
    campaign.save(update_fields=["state"])
    record_change(actor, "close", campaign, campaign.unit_path)
    return campaign


def _check_gift(*, campaign: Campaign, unit: Unit, person: Person | None, day: date, today: date):
    if not unit.path.startswith(campaign.unit_path):
        raise InvalidInput(
            {"unit": _("%(unit)s is not in this campaign's units.") % {"unit": unit.name}},
            code="unknown_unit",
        )
    if person is not None:
        if not person.unit_path.startswith(unit.path):
            raise InvalidInput(
                {
                    "person": _("%(name)s is not in %(unit)s.")
                    % {"name": person.name, "unit": unit.name}
                }
            )
        if not person.is_active:
            raise InvalidInput(
                {"person": _("%(name)s is no longer on the roster.") % {"name": person.name}}
            )
    if day < campaign.start_day:
        raise InvalidInput(
            {"day": _("The campaign started on %(day)s.") % {"day": campaign.start_day}}
        )
    if day > today:
        raise InvalidInput({"day": _("This day has not come yet.")})
    if campaign.end_day and day > campaign.end_day:
        raise InvalidInput({"day": _("The campaign ended on %(day)s.") % {"day": campaign.end_day}})


def _open(campaign: Campaign) -> Campaign:
    campaign = Campaign.objects.select_for_update().get(pk=campaign.pk)
    if campaign.state != CampaignState.OPEN:
        raise Conflict("campaign_closed", _("This campaign is closed: no more gifts."))
    return campaign


@transaction.atomic
def record_gift(
    *,
    actor,
    campaign: Campaign,
    unit: Unit,
    amount,
    person: Person | None = None,
    day: date | None = None,
    note: str = "",
    source: str = GiftSource.FORM,
    entry_key: str | None = None,
) -> tuple[Gift, bool]:
    """One money gift of `person` (their unit's) or, without a person, of `unit` as a whole.
    `entry_key`: a page form's one-time key; the same key again gives the gift entered the
    first time (a double click) and False."""
    if entry_key:
        earlier = Gift.objects.filter(entry_key=entry_key, entered_by=actor).first()
        if earlier is not None:
            return earlier, False
    if person is not None:
        unit_ = Unit.objects.get(pk=person.unit_id)
        if not unit_.path.startswith(unit.path):
            raise InvalidInput(
                {
                    "person": _("%(name)s is not in %(unit)s.")
                    % {"name": person.name, "unit": unit.name}
                }
            )
        unit = unit_
    require(actor, ENTER, unit.path)
    campaign = _open(campaign)
    today = unit.local_date()
    day = day or today
    fen = parse_amount(amount)
    _check_gift(campaign=campaign, unit=unit, person=person, day=day, today=today)
    try:
        with transaction.atomic():
            gift = Gift.objects.create(
                campaign=campaign,
                unit=unit,
                unit_path=unit.path,
                person=person,
                amount_fen=fen,
                day=day,
                note=_line(note, "note", 200),
                source=source,
                entry_key=entry_key or None,
                entered_by=actor,
            )
    except IntegrityError:  # the same key from a second click at the same moment
        earlier = Gift.objects.filter(entry_key=entry_key, entered_by=actor).first()
        if earlier is None:
            raise Conflict(
                "entry_key_reused", _("This form was already used; reload it.")
            ) from None
        return earlier, False
    return gift, True


# The import template's columns: title → field. Units and people by code and employee
# number (as the other imports), the name a check that the right person was meant.
COLUMNS = [
    ("unit", "单位编码"),
    ("unit_name", "单位名称"),
    ("employee_no", "工号"),
    ("name", "姓名"),
    ("amount", "金额（元）"),
    ("day", "捐款日期"),
    ("note", "备注"),
]
REQUIRED = ["单位编码", "金额（元）"]


@dataclass
class GiftImport(ImportResult):
    total_fen: int = 0
    gifts: list = field(default_factory=list)


def _day(value, today: date) -> date | None:
    if value in (None, ""):
        return today
    if hasattr(value, "date") and callable(value.date):
        return value.date()
    if isinstance(value, date):
        return value
    text = normalize_number(cell_text(value)).replace("/", "-").replace(".", "-")
    try:
        return date.fromisoformat("-".join(p.zfill(2) for p in text.split("-")))
    except ValueError:
        return None


def import_gifts(*, actor, campaign: Campaign, upload) -> GiftImport:
    """An Excel sheet of gifts (template: `excel.gift_template`), all or nothing: every
    row checked, and if one is wrong nothing is saved and each problem is reported by
    row and column title."""
    result = GiftImport()
    titles = dict(COLUMNS)
    try:
        rows = read_rows(upload, {t: f for f, t in COLUMNS}, REQUIRED, settings.IMPORT_MAX_ROWS)
    except NotExcel as exc:
        result.add(0, "", str(exc))
        return result
    if campaign.state != CampaignState.OPEN:
        result.add(0, "", _("This campaign is closed: no more gifts."))
        return result
    codes = {cell_text(v.get("unit")) for _, v in rows}
    units = {u.code: u for u in Unit.objects.filter(code__in=codes)}
    numbers = {cell_text(v.get("employee_no")) for _, v in rows} - {""}
    people: dict[tuple[int, str], Person] = {}
    for p in Person.objects.filter(employee_no__in=numbers).select_related("unit"):
        people[(p.group_id, p.employee_no)] = p
    from fangkong.core.scope import scope_of

    scope = scope_of(actor, ENTER)
    from fangkong.orgs.services import groups_for

    groups = groups_for(units.values()) if units else {}
    planned = []
    for number, values in rows:
        code = cell_text(values.get("unit"))
        unit = units.get(code)
        if unit is None or not scope.covers(unit.path):
            result.add(
                number, titles["unit"], _("Unknown unit code: %(code)s.") % {"code": code or "—"}
            )
            continue
        person = None
        employee_no = cell_text(values.get("employee_no"))
        if employee_no:
            group = groups.get(unit.pk)
            person = people.get((group.pk if group else 0, employee_no))
            if person is None or not person.unit_path.startswith(unit.path):
                result.add(
                    number,
                    titles["employee_no"],
                    _("No one with employee number %(no)s in %(unit)s.")
                    % {"no": employee_no, "unit": unit.name},
                )
                continue
            name = cell_text(values.get("name"))
            if name and name != person.name:
                result.add(
                    number,
                    titles["name"],
                    _("Employee number %(no)s is %(name)s, not %(given)s.")
                    % {"no": employee_no, "name": person.name, "given": name},
                )
                continue
        amount = values.get("amount")
        if isinstance(amount, float):  # Excel keeps numbers as floats: read its decimal text
            amount = repr(amount)
        try:
            fen = parse_amount(amount if amount is not None else "")
            today = unit.local_date()
            day = _day(values.get("day"), today)
            if day is None:
                raise InvalidInput({"day": _("Give the day as 2020-01-30.")})
            _check_gift(
                campaign=campaign,
                unit=person.unit if person else unit,
                person=person,
                day=day,
                today=today,
            )
        except InvalidInput as exc:
            for key, msgs in exc.fields.items():
                column = {"amount": "amount", "day": "day", "unit": "unit"}.get(key, "employee_no")
                for message in msgs:
                    result.add(number, titles[column], message)
            continue
        note = cell_text(values.get("note"))[:200]
        planned.append((person.unit if person else unit, person, fen, day, note))
    if not rows and result.ok:
        result.add(0, "", _("The sheet has no rows."))
    if not result.ok:
        return result
    with transaction.atomic():
        for unit, person, fen, day, note in planned:
            gift, _created = record_gift(
                actor=actor,
                campaign=campaign,
                unit=unit,
                person=person,
                amount=Decimal(fen) / 100,
                day=day,
                note=note,
                source=GiftSource.EXCEL,
            )
            result.gifts.append(gift)
            result.total_fen += gift.amount_fen
    result.imported = result.created = len(planned)
    return result


def collected_fen(campaign: Campaign) -> int:
    return Gift.objects.filter(campaign=campaign).aggregate(s=Sum("amount_fen"))["s"] or 0


def remitted_fen(campaign: Campaign) -> int:
    return Remittance.objects.filter(campaign=campaign).aggregate(s=Sum("amount_fen"))["s"] or 0


@transaction.atomic
def record_remittance(
    *,
    actor,
    campaign: Campaign,
    amount,
    day: date | None,
    voucher_no: str,
    recipient: str = "",
    receipt=None,
    note: str = "",
) -> Remittance:
    """The money collected passed to the recipient, with the bank voucher's number and,
    if at hand, the recipient's receipt. Never more than collected and not yet passed on."""
    campaign = Campaign.objects.select_for_update().get(pk=campaign.pk)
    require(actor, MANAGE, campaign.unit_path)
    fen = parse_amount(amount, maximum=MAX_TARGET_FEN)
    voucher_no = _line(voucher_no, "voucher_no", 64, required=True)
    today = campaign.unit.local_date()
    day = day or today
    if day > today:
        raise InvalidInput({"day": _("This day has not come yet.")})
    if day < campaign.start_day:
        raise InvalidInput(
            {"day": _("The campaign started on %(day)s.") % {"day": campaign.start_day}}
        )
    left = collected_fen(campaign) - remitted_fen(campaign)
    if fen > left:
        raise InvalidInput(
            {
                "amount": _("Only %(left)s yuan collected and not yet passed on.")
                % {"left": yuan(left)}
            }
        )
    if Remittance.objects.filter(campaign=campaign, voucher_no=voucher_no).exists():
        raise InvalidInput({"voucher_no": _("This voucher is already recorded.")})
    _file(receipt)
    remittance = Remittance.objects.create(
        campaign=campaign,
        unit_path=campaign.unit_path,
        amount_fen=fen,
        day=day,
        recipient=_line(recipient, "recipient", 100) or campaign.recipient,
        voucher_no=voucher_no,
        receipt=receipt or "",
        receipt_name=(receipt.name[:200] if receipt else ""),
        note=_line(note, "note", 200),
        recorded_by=actor,
    )
    record_change(actor, "remit", remittance, campaign.unit_path)
    return remittance


def _goods_check(campaign, unit, item, quantity, counterpart_field, counterpart):
    if campaign is not None and not unit.path.startswith(campaign.unit_path):
        raise InvalidInput(
            {"unit": _("%(unit)s is not in this campaign's units.") % {"unit": unit.name}}
        )
    if not isinstance(item, Item):
        raise InvalidInput({"item": _("Choose the item.")}, code="unknown_item")
    return _line(counterpart, counterpart_field, 100, required=True)


@transaction.atomic
def receive_goods(
    *,
    actor,
    unit: Unit,
    item: Item,
    quantity,
    donor: str,
    campaign: Campaign | None = None,
    day: date | None = None,
    note: str = "",
    now=None,
) -> GoodsDonation:
    """Goods donated to the unit (受赠): into its stock as a donation, with the donor; the
    certificate (受赠证明) is drawn from this record."""
    require(actor, ENTER, unit.path)
    donor = _goods_check(campaign, unit, item, quantity, "donor", donor)
    day = day or unit.local_date()
    if day > unit.local_date():
        raise InvalidInput({"day": _("This day has not come yet.")})
    move = supplies.record_receipt(
        actor=actor,
        unit=unit,
        item=item,
        quantity=quantity,
        source=Source.DONATION,
        note=(_("Donated by %(donor)s") % {"donor": donor})[:200],
        now=now,
    )
    return GoodsDonation.objects.create(
        direction=GoodsDirection.RECEIVED,
        campaign=campaign,
        unit=unit,
        unit_path=unit.path,
        item=item,
        quantity=move.delta,
        counterpart=donor,
        day=day,
        move=move,
        note=_line(note, "note", 200),
        recorded_by=actor,
    )


@transaction.atomic
def give_goods(
    *,
    actor,
    unit: Unit,
    item: Item,
    quantity,
    receiver: str,
    campaign: Campaign | None = None,
    day: date | None = None,
    receipt=None,
    note: str = "",
    now=None,
) -> GoodsDonation:
    """Goods the unit gives (捐赠) to a hospital or community: out of its stock (refused
    beyond the balance), with the receiver and their receipt."""
    require(actor, ENTER, unit.path)
    receiver = _goods_check(campaign, unit, item, quantity, "receiver", receiver)
    day = day or unit.local_date()
    if day > unit.local_date():
        raise InvalidInput({"day": _("This day has not come yet.")})
    _file(receipt)
    move = supplies.record_issue(
        actor=actor,
        unit=unit,
        item=item,
        quantity=quantity,
        purpose=(_("Donated to %(receiver)s") % {"receiver": receiver})[:200],
        now=now,
    )
    return GoodsDonation.objects.create(
        direction=GoodsDirection.GIVEN,
        campaign=campaign,
        unit=unit,
        unit_path=unit.path,
        item=item,
        quantity=-move.delta,
        counterpart=receiver,
        day=day,
        move=move,
        receipt=receipt or "",
        receipt_name=(receipt.name[:200] if receipt else ""),
        note=_line(note, "note", 200),
        recorded_by=actor,
    )
