"""Reads of the notices, scoped: a notice is seen by those who see its issuer (for
`VIEW_NOTICES`) and by those who see one of its receipts; anyone else gets a 404. The
chase page's counts come from one index range over (root, unit_path) per level."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.db.models import Count, Exists, OuterRef, Q
from django.http import Http404

from fangkong.core.fields import subtree_q
from fangkong.core.scope import scope_of
from fangkong.orgs.models import Unit

from .choices import NoticeState
from .models import Notice, Receipt
from .permissions import NoticePerm


def visible_notices(user):
    scope = scope_of(user, NoticePerm.VIEW_NOTICES)
    if scope.everything:
        return Notice.objects.all()
    if scope.empty:
        return Notice.objects.none()
    received = Receipt.objects.filter(notice=OuterRef("pk")).filter(scope.q("unit_path"))
    return Notice.objects.filter(
        scope.q("unit_path")
        | (Q(state=NoticeState.ISSUED) | Q(state=NoticeState.WITHDRAWN)) & Exists(received)
    )


def get_notice_for(user, notice_id) -> Notice:
    try:
        notice_id = int(notice_id)
    except (TypeError, ValueError) as exc:
        raise Http404 from exc
    try:
        return visible_notices(user).select_related("issuer", "original__issuer").get(pk=notice_id)
    except Notice.DoesNotExist as exc:
        raise Http404 from exc


def is_issuer_side(user, notice: Notice) -> bool:
    return scope_of(user, NoticePerm.VIEW_NOTICES).covers(notice.unit_path)


def list_notices(user, box: str = "inbox"):
    """inbox: issued notices with a receipt of a unit in the user's scope (not their own
    issuer's); sent: those issued in the user's issuing scope; all: both."""
    scope = scope_of(user, NoticePerm.VIEW_NOTICES)
    rows = visible_notices(user).select_related("issuer")
    if box == "sent":
        return rows.filter(scope.q("unit_path"))
    if box == "inbox":
        received = Receipt.objects.filter(notice=OuterRef("pk")).filter(scope.q("unit_path"))
        return (
            rows.filter(Exists(received))
            .exclude(state=NoticeState.DRAFT)
            .exclude(state=NoticeState.PENDING)
        )
    return rows


def receipts_of(user, notice: Notice):
    """The receipts a page of `notice` counts: for a chain's first notice, those of every
    forward too (rolled up by root); the issuer's side sees all, a recipient its scope."""
    rows = (
        Receipt.objects.filter(root=notice)
        if notice.is_root
        else Receipt.objects.filter(notice=notice)
    )
    if not is_issuer_side(user, notice):
        rows = rows.filter(scope_of(user, NoticePerm.VIEW_NOTICES).q("unit_path"))
    return rows


@dataclass
class Tally:
    unit: Unit | None
    total: int = 0
    read: int = 0
    acked: int = 0
    replied: int = 0
    children: list = field(default_factory=list)

    @property
    def unread(self) -> int:
        return self.total - self.read

    @property
    def unacked(self) -> int:
        return self.total - self.acked

    @property
    def unreplied(self) -> int:
        return self.total - self.replied

    @property
    def ack_rate(self) -> int:
        return round(100 * self.acked / self.total) if self.total else 0


def _figures(prefix: str, q: Q) -> dict:
    return {
        f"{prefix}t": Count("pk", filter=q),
        f"{prefix}r": Count("pk", filter=q & Q(read_at__isnull=False)),
        f"{prefix}a": Count("pk", filter=q & Q(acked_at__isnull=False)),
        f"{prefix}p": Count("pk", filter=q & Q(replied_at__isnull=False)),
    }


def _tally(unit, values: dict, prefix: str) -> Tally:
    return Tally(
        unit,
        values[f"{prefix}t"],
        values[f"{prefix}r"],
        values[f"{prefix}a"],
        values[f"{prefix}p"],
    )


def get_tally(user, notice: Notice, unit: Unit | None = None) -> Tally:
    """The receipts of `notice` in `unit`'s subtree (or all of them), and, per child of
    `unit` with receipts, the same counts (drill-down). One query grouped by unit path (an
    index range over (root, unit_path)), folded into the children here: cheaper than a
    filtered count per child, whatever the number of children."""
    rows = receipts_of(user, notice)
    if unit is not None:
        rows = rows.filter(subtree_q("unit_path", unit.path))
    grouped = (
        rows.values("unit_path")
        .annotate(**{k[1:]: v for k, v in _figures("x", Q()).items()})
        .order_by()
    )
    total = Tally(unit)
    by_child: dict[str, Tally] = {}
    prefix = len(unit.path) if unit is not None else 0
    for row in grouped:
        figures = (row["t"], row["r"], row["a"], row["p"])
        total.total += figures[0]
        total.read += figures[1]
        total.acked += figures[2]
        total.replied += figures[3]
        if unit is None:
            continue
        rest = row["unit_path"][prefix:]
        if not rest:
            continue  # the unit's own receipts
        child_path = unit.path + rest.split("/", 1)[0] + "/"
        tally = by_child.setdefault(child_path, Tally(None))
        tally.total += figures[0]
        tally.read += figures[1]
        tally.acked += figures[2]
        tally.replied += figures[3]
    if by_child:
        children = Unit.objects.filter(path__in=list(by_child)).order_by("sort_order", "code")
        for child in children:
            tally = by_child[child.path]
            tally.unit = child
            total.children.append(tally)
    return total


def list_receipts(user, notice: Notice, unit: Unit | None = None, owing: str = ""):
    rows = receipts_of(user, notice).select_related(
        "unit", "read_by", "acked_by", "person", "notice"
    )
    if unit is not None:
        rows = rows.filter(subtree_q("unit_path", unit.path))
    if owing == "read":
        rows = rows.filter(read_at__isnull=True)
    elif owing == "ack":
        rows = rows.filter(acked_at__isnull=True)
    elif owing == "reply":
        rows = rows.filter(replied_at__isnull=True)
    return rows.order_by("unit_path", "id")


def chain_of(notice: Notice) -> list[Notice]:
    """The notice and every forward of it, down the tree (the chain's notices)."""
    rows = list(Notice.objects.filter(root_id=notice.root_id or notice.pk).select_related("issuer"))
    return sorted(rows, key=lambda n: (n.unit_path, n.pk))


def ack_rate(user, unit: Unit, since, until) -> Tally:
    """Acknowledgement of the notices issued in `unit`'s subtree between the two moments
    (the command panel): counted over their own receipts."""
    rows = Receipt.objects.filter(
        notice__state=NoticeState.ISSUED,
        notice__issued_at__gte=since,
        notice__issued_at__lt=until,
    ).filter(subtree_q("notice__unit_path", unit.path))
    return _tally(unit, rows.aggregate(**_figures("x", Q())), "x")


def waiting_for(user, limit: int = 20):
    """The issued notices the user still owes something on: (notice, what) with what in
    read / ack / reply."""
    from fangkong.orgs.models import RoleAssignment

    from .services import own_receipts  # noqa: F401 - same rule as the services

    unit_ids = set(RoleAssignment.objects.filter(user=user).values_list("unit_id", flat=True))
    person = getattr(user, "person", None)
    if person is not None:
        unit_ids.add(person.unit_id)
    rows = (
        Receipt.objects.filter(notice__state=NoticeState.ISSUED)
        .filter(Q(unit_id__in=unit_ids, person__isnull=True, notice__role="") | Q(person=user))
        .filter(Q(acked_at__isnull=True) | Q(notice__reply_required=True, replied_at__isnull=True))
        .select_related("notice__issuer")
        .order_by("-delivered_at")[:limit]
    )
    return list(rows)
