"""The daily count (日清单, seed 003: "对口罩、消毒用品等防疫物资的储备和使用实行日清单登记动态
管理"): a day's consumption of every item of a unit, entered at once on the page or from
its Excel sheet. Guarantees: what was typed is recorded as one issue move per item through
`services.record_issue`, all in one transaction or nothing (a row that is not a number,
is negative or would take the balance below zero is refused with its row named, and no
row is written); a blank row records nothing (nobody counted it: 虚报), a typed 0 says
"none used" and writes nothing either; only the unit's today is written — past days are
the ledger's; a form sent twice (a double tap) records once."""

from dataclasses import dataclass, field

from django.db import transaction
from django.utils.translation import gettext_lazy as _

from fangkong.core.errors import InvalidInput
from fangkong.core.idempotency import run_once
from fangkong.core.permissions import require

from . import services
from .forms import parse_quantity
from .models import Item
from .permissions import SuppliesPerm

MAX_PURPOSE = 200


@dataclass
class Row:
    """One typed row: `ref` names it back to the page or sheet (an item code, a row
    number), `item` is None when the sheet names an item nobody knows (`item_text`)."""

    ref: object
    item: Item | None
    quantity: str
    purpose: str = ""
    item_text: str = ""
    day_error: str = ""


@dataclass
class Outcome:
    recorded: int = 0  # issue moves written
    zeros: int = 0  # rows typed as 0: none used, nothing to write
    moves: list[int] = field(default_factory=list)


class RowsRefused(InvalidInput):
    """Some rows are wrong: `rows` maps each row's ref to [(field, message)]."""

    def __init__(self, rows: dict):
        self.rows = rows
        super().__init__(
            {"rows": [_("Nothing was saved: correct the rows marked below.")]},
            message=_("Nothing was saved: %(n)s rows are wrong.") % {"n": len(rows)},
        )


def _typed(row: Row, errors: dict) -> int | None:
    def refuse(name, message):
        errors.setdefault(row.ref, []).append((name, message))

    if row.item is None:
        refuse("item", _("Unknown item: %(item)s.") % {"item": row.item_text or "—"})
        return None
    if row.day_error:
        refuse("day", row.day_error)
    if len(row.purpose) > MAX_PURPOSE:
        refuse("purpose", _("At most %(n)s characters.") % {"n": MAX_PURPOSE})
    text = str(row.quantity or "").strip()
    if not text:
        return None
    try:
        quantity = parse_quantity(text, minimum=0)
    except ValueError as exc:
        refuse("quantity", str(exc))
        return None
    if quantity and row.item.durable:
        refuse(
            "quantity",
            _("%(item)s is counted, not consumed: record a count on the stock page.")
            % {"item": row.item.name},
        )
        return None
    return quantity


def record_day(*, actor, unit, day, rows: list[Row], key: str = "") -> Outcome:
    """Record the consumption typed for `unit`'s `day` (which must be its today)."""
    require(actor, SuppliesPerm.KEEP_STOCK, unit.path)
    if day != unit.local_date():
        raise InvalidInput(
            {"day": _("Only today's consumption can be entered; past days are read-only.")}
        )
    errors: dict = {}
    typed = [(row, _typed(row, errors)) for row in rows]
    if errors:
        raise RowsRefused(errors)
    typed = [(row, n) for row, n in typed if n is not None]
    if not typed:
        raise InvalidInput(
            {"rows": [_("Nothing to save: type what was used of each item (0 if none).")]}
        )

    def write() -> dict:
        outcome = Outcome()
        refused: dict = {}
        with transaction.atomic():
            for row, quantity in typed:
                if quantity == 0:
                    outcome.zeros += 1
                    continue
                try:
                    move = services.record_issue(
                        actor=actor,
                        unit=unit,
                        item=row.item,
                        quantity=quantity,
                        purpose=row.purpose.strip() or str(_("Daily consumption")),
                    )
                except InvalidInput as exc:  # not enough in stock: name the row, go on
                    for name, messages in exc.fields.items():
                        refused.setdefault(row.ref, []).extend((name, m) for m in messages)
                    continue
                outcome.recorded += 1
                outcome.moves.append(move.pk)
            if refused:
                raise RowsRefused(refused)  # rolls back every row written above
        return {"recorded": outcome.recorded, "zeros": outcome.zeros, "moves": outcome.moves}

    if not key:
        return Outcome(**write())
    payload = {
        "unit": unit.pk,
        "day": day.isoformat(),
        "rows": [(row.item.pk, n, row.purpose) for row, n in typed],
    }
    result, _replayed = run_once(
        owner=f"user:{actor.pk}:supplies.daily", key=key, payload=payload, fn=write
    )
    return Outcome(**result)
