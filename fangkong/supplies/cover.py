"""Days of cover (M10): how fast each unit uses each item and how long its stock lasts.

Kept on write: every move updates its (unit, item) day row (`StockDay`) and recomputes the
balance's rate, days of cover and state in the same transaction, so a stock page or the
shortfall board reads one row per (unit, item). The window slides at midnight without a
move, so the `supplies.cover` sweep recomputes the balances whose unit has started a new
day since (`rate_day`), a chunk of units at a time under row locks.

The rate is the average daily consumption over the last FANGKONG_SUPPLY_RATE_DAYS full
days — and today, once something was issued today — from issues only (net of reversed
issues; transfers and count adjustments are not consumption), over the days the item was
in stock: a day it was at zero from start to end says nothing of the need, so it is left
out of the average ("corrected for days out of stock"). When every day of the window was
out of stock the last known rate is kept.
"""

from __future__ import annotations

import math
import zoneinfo
from collections import defaultdict, namedtuple
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from fangkong.orgs.models import Unit

from .choices import CoverState, MoveKind
from .models import Balance, Item, Move, SafetyLevel, StockDay

SEVERITY = {CoverState.OUT: 3, CoverState.BELOW: 2, CoverState.OVER: 1, CoverState.ADEQUATE: 0}
CONSUMING = {MoveKind.ISSUE}
RECEIVING = {MoveKind.RECEIPT, MoveKind.TRANSFER_IN}
MAX_COVER = Decimal("999999.9")


def rate_days() -> int:
    return max(1, settings.SUPPLY_RATE_DAYS)


def unit_kind_key(unit: Unit) -> tuple[str, str]:
    return (unit.site_kind or "", unit.kind)


# -- the day rows, written with each move ---------------------------------------------


def record_day(*, unit: Unit, item: Item, move: Move, before: int) -> None:
    """Add `move` to its (unit, item, local day) row. The caller holds the balance's lock,
    so the row is written by one transaction at a time."""
    day = unit.local_date(move.at)
    kind = move.reverses.kind if move.kind == MoveKind.REVERSAL and move.reverses else move.kind
    issued = -move.delta if kind in CONSUMING else 0
    received = move.delta if kind in RECEIVING else 0
    row = StockDay.objects.filter(unit=unit, item=item, day=day).first()
    if row is None:
        StockDay.objects.create(
            unit=unit,
            unit_path=unit.path,
            item=item,
            day=day,
            opening=before,
            received=received,
            issued=issued,
            closing=move.balance_after,
            peak=max(before, move.balance_after),
        )
        return
    row.received += received
    row.issued += issued
    row.closing = move.balance_after
    row.peak = max(row.peak, move.balance_after)
    row.save(update_fields=["received", "issued", "closing", "peak"])


# -- the rate and the state -----------------------------------------------------------


def daily_rate(rows: list[StockDay], balance: int, today: date, days: int):
    """(average issued per stocked day, stocked days) over the window ending `today`, from
    the pair's day rows in the window (any order). None when no day was stocked."""
    by_day = {row.day: row for row in rows}
    window = [today - timedelta(days=n) for n in range(days, 0, -1)]
    if today in by_day and by_day[today].issued > 0:
        window.append(today)
    in_window = sorted(d for d in by_day if d >= window[0])
    # Before the first row in the window the level was that row's opening; with no row,
    # nothing moved and the level was the balance now.
    level = by_day[in_window[0]].opening if in_window else balance
    issued = stocked = 0
    for day in window:
        row = by_day.get(day)
        if row is None:
            stocked += level > 0
            continue
        stocked += row.peak > 0
        issued += row.issued
        level = row.closing
    if not stocked:
        return None, 0
    return Decimal(max(issued, 0)) / stocked, stocked


class Levels:
    """The safety levels, read once: the most specific for (item, site kind / unit kind)."""

    def __init__(self, item: Item | None = None):
        levels = SafetyLevel.objects.all() if item is None else item.safety_levels.all()
        self._levels = {(lv.item_id, lv.unit_kind): lv for lv in levels}

    def get(self, item_id: int, unit: Unit) -> SafetyLevel | None:
        return self.get_for(item_id, *unit_kind_key(unit))

    def get_for(self, item_id: int, site_kind: str, kind: str) -> SafetyLevel | None:
        for key in [k for k in (site_kind, kind) if k] + [""]:
            found = self._levels.get((item_id, key))
            if found is not None:
                return found
        return None


@dataclass
class Cover:
    rate: Decimal | None
    days_of_cover: Decimal | None
    state: str
    shortfall: int


def assess(*, quantity: int, rate: Decimal | None, durable: bool, level) -> Cover:
    """The state of a balance given its rate and safety level (see the module docstring)."""
    safety = Decimal(str(settings.SUPPLY_SAFETY_DAYS))
    overstock = Decimal(str(settings.SUPPLY_OVERSTOCK_DAYS))
    if level is not None and level.days is not None:
        safety = level.days
    if durable:
        minimum = level.minimum if level is not None and level.minimum is not None else 1
        if quantity <= 0:
            return Cover(None, None, CoverState.OUT, minimum)
        if quantity < minimum:
            return Cover(None, None, CoverState.BELOW, minimum - quantity)
        return Cover(None, None, CoverState.ADEQUATE, 0)
    rate = rate.quantize(Decimal("0.01"), ROUND_HALF_UP) if rate is not None else None
    need = math.ceil(safety * rate) if rate else 0
    if quantity <= 0:
        return Cover(rate, Decimal(0), CoverState.OUT, need)
    if not rate:
        return Cover(rate, None, CoverState.ADEQUATE, 0)
    cover = min(MAX_COVER, (Decimal(quantity) / rate).quantize(Decimal("0.1"), ROUND_HALF_UP))
    if cover < safety:
        return Cover(rate, cover, CoverState.BELOW, max(0, need - quantity))
    if cover > overstock:
        return Cover(rate, cover, CoverState.OVER, 0)
    return Cover(rate, cover, CoverState.ADEQUATE, 0)


def _apply_cover(balance: Balance, cover: Cover, today: date) -> None:
    balance.rate, balance.days_of_cover = cover.rate, cover.days_of_cover
    balance.state, balance.severity = cover.state, SEVERITY[cover.state]
    balance.shortfall, balance.rate_day = cover.shortfall, today


COVER_FIELDS = ["rate", "days_of_cover", "state", "severity", "shortfall", "rate_day"]


def recompute(balance: Balance, *, unit: Unit, item: Item, now=None, levels=None) -> Balance:
    """Recompute one locked balance's cover in place (the caller saves `COVER_FIELDS`)."""
    today = unit.local_date(now)
    days = rate_days()
    rows = list(
        StockDay.objects.filter(unit=unit, item=item, day__gte=today - timedelta(days=days))
    )
    rate, stocked = daily_rate(rows, balance.quantity, today, days)
    if not stocked:
        rate = balance.rate  # out of stock all window: the last known need
    level = (levels or Levels(item)).get(item.pk, unit)
    cover = assess(quantity=balance.quantity, rate=rate, durable=item.durable, level=level)
    _apply_cover(balance, cover, today)
    return balance


# -- the sweep ------------------------------------------------------------------------


def _write_cover(rows: list[list]) -> None:
    """One UPDATE per balance in one executemany (`rows`: the COVER_FIELDS values and the
    id): Django's bulk_update builds a CASE per field and row, seconds of Python per
    thousand rows."""
    from django.db import connection

    table = connection.ops.quote_name(Balance._meta.db_table)
    columns = ", ".join(f"{connection.ops.quote_name(f)} = %s" for f in COVER_FIELDS)
    with connection.cursor() as cursor:
        cursor.executemany(f"UPDATE {table} SET {columns} WHERE id = %s", rows)


Day = namedtuple("Day", "day opening issued closing peak")


CHUNK_UNITS = 500


def refresh_stale(now=None) -> int:
    """Recompute every balance not yet computed for its unit's current day. Idempotent and
    safe from two workers at once (rows locked, SKIP LOCKED on PostgreSQL)."""
    from django.db import connection

    now = now or timezone.now()
    days = rate_days()
    levels = Levels()
    durable = dict(Item.objects.values_list("pk", "durable"))
    adapt_decimal = connection.ops.adapt_decimalfield_value
    adapt_date = connection.ops.adapt_datefield_value
    done = 0
    # order_by(): Unit's default ordering (path) would make DISTINCT one row per unit, so
    # one pass per unit instead of per time zone (10,000 passes at the province's size).
    for zone in Unit.objects.order_by().values_list("timezone", flat=True).distinct():
        today = now.astimezone(zoneinfo.ZoneInfo(zone)).date()
        stale = Balance.objects.filter(unit__timezone=zone).filter(
            Q(rate_day__isnull=True) | Q(rate_day__lt=today)
        )
        while True:
            unit_ids = list(
                stale.order_by("unit_id").values_list("unit_id", flat=True).distinct()[:CHUNK_UNITS]
            )
            if not unit_ids:
                break
            with transaction.atomic():
                locked = stale.filter(unit_id__in=unit_ids)
                if connection.features.has_select_for_update_skip_locked:
                    locked = locked.select_for_update(skip_locked=True, of=("self",))
                else:
                    locked = locked.select_for_update()
                balances = list(
                    locked.values_list(
                        "pk",
                        "unit_id",
                        "item_id",
                        "quantity",
                        "rate",
                        "unit__site_kind",
                        "unit__kind",
                    )
                )
                if not balances:
                    break  # another worker holds them
                rows = defaultdict(list)
                days_rows = StockDay.objects.filter(
                    unit_id__in=unit_ids, day__gte=today - timedelta(days=days)
                ).values_list("unit_id", "item_id", "day", "opening", "issued", "closing", "peak")
                for unit_id, item_id, *values in days_rows:
                    rows[(unit_id, item_id)].append(Day(*values))
                updates = []
                for pk, unit_id, item_id, quantity, last_rate, site_kind, kind in balances:
                    rate, stocked = daily_rate(rows[(unit_id, item_id)], quantity, today, days)
                    if not stocked:
                        rate = last_rate
                    found = assess(
                        quantity=quantity,
                        rate=rate,
                        durable=durable[item_id],
                        level=levels.get_for(item_id, site_kind, kind),
                    )
                    updates.append(
                        [
                            adapt_decimal(found.rate, 14, 2),
                            adapt_decimal(found.days_of_cover, 10, 1),
                            found.state,
                            SEVERITY[found.state],
                            found.shortfall,
                            adapt_date(today),
                            pk,
                        ]
                    )
                _write_cover(updates)
                done += len(updates)
    return done
