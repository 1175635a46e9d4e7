"""Writes of the notices. Each service runs in one transaction, checks the actor's
permission on the unit it acts for, validates (a clear error naming the field, nothing
half-written), records an audit entry and queues its messages in the same transaction
(notify's outbox)."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from fangkong.core.audit import record_change
from fangkong.core.errors import Conflict, InvalidInput, PermissionDeniedInScope, TooManyRequests
from fangkong.core.fields import subtree_q
from fangkong.core.permissions import require
from fangkong.core.scope import scope_of
from fangkong.orgs.choices import Role, SiteKind, UnitKind
from fangkong.orgs.models import RoleAssignment, Unit

from . import html, messages
from .choices import NUMBER_WORD, Approval, NoticeKind, NoticeState
from .models import (
    Attachment,
    IssuerSetting,
    Notice,
    NoticeTarget,
    NumberCounter,
    Receipt,
    Reminder,
)
from .permissions import NoticePerm

BATCH = 2000  # receipts written per INSERT
REMIND_INTERVAL = timedelta(minutes=5)  # DING's rule: one re-reminder per 5 minutes
ACCOUNTABILITY_KIND = "notice_reply_missing"


# --- settings of an issuer ----------------------------------------------------------------


def _nearest_setting(unit: Unit, field: str) -> str:
    rows = dict(
        IssuerSetting.objects.filter(unit_id__in=[*unit.ancestor_ids, unit.pk])
        .exclude(**{field: ""})
        .values_list("unit_id", field)
    )
    for unit_id in [unit.pk, *reversed(unit.ancestor_ids)]:
        if unit_id in rows:
            return rows[unit_id]
    return ""


def approval_of(unit: Unit) -> str:
    """One step (a leading-group member approves) or none, the nearest setting up the
    unit's line, else FANGKONG_NOTICE_APPROVAL (default one step)."""
    value = _nearest_setting(unit, "approval") or getattr(
        settings, "NOTICE_APPROVAL", Approval.ONE_STEP
    )
    return value if value in Approval.values else Approval.ONE_STEP


def prefix_of(unit: Unit) -> str:
    """The issuer's word in its numbers (产投); its own setting, else its name's first two
    characters."""
    try:
        own = unit.notice_setting.prefix
    except IssuerSetting.DoesNotExist:
        own = ""
    return own or unit.name[:2]


def set_issuer_setting(*, actor, unit: Unit, prefix: str = "", approval: str = "") -> IssuerSetting:
    require(actor, NoticePerm.APPROVE_NOTICES, unit.path)
    if approval and approval not in Approval.values:
        raise InvalidInput({"approval": _("Choose one step or none.")})
    if len(prefix) > 20:
        raise InvalidInput({"prefix": _("At most 20 characters.")})
    row, _created = IssuerSetting.objects.update_or_create(
        unit=unit, defaults={"prefix": prefix.strip(), "approval": approval}
    )
    record_change(actor, "notice_setting", row, unit.path, {"prefix": prefix, "approval": approval})
    return row


def take_number(notice: Notice, now: datetime) -> None:
    """The next number of the issuer in the year of `now` (the issuer's local year). The
    counter row is locked, so two notices issued at once get two numbers."""
    year = notice.issuer.local_date(now).year
    try:
        with transaction.atomic():
            NumberCounter.objects.get_or_create(unit=notice.issuer, year=year)
    except IntegrityError:  # created meanwhile by a concurrent issue
        pass
    counter = NumberCounter.objects.select_for_update().get(unit=notice.issuer, year=year)
    counter.last = F("last") + 1
    counter.save(update_fields=["last"])
    counter.refresh_from_db(fields=["last"])
    notice.year, notice.seq = year, counter.last
    word = NUMBER_WORD.get(notice.kind, "防控发")
    notice.number = f"{prefix_of(notice.issuer)}{word}〔{year}〕{counter.last}号"


# --- recipients ---------------------------------------------------------------------------


def _is_ancestor(unit: Unit, of: Unit) -> bool:
    return of.path.startswith(unit.path) and unit.pk != of.pk


def recipient_rows(notice: Notice) -> list[tuple[int, str, int | None]]:
    """(unit id, unit path, person id or None) of every recipient: each target's subtree
    (a target up the issuer's line, a superior, is only itself), filtered to the unit and
    site kinds; for a role-addressed notice, the holders of the role on those units. The
    issuer itself receives nothing."""
    issuer = notice.issuer
    q = Q(pk__in=[])
    for target in notice.targets.select_related("unit"):
        unit = target.unit
        q |= Q(pk=unit.pk) if _is_ancestor(unit, issuer) else subtree_q("path", unit.path)
    units = Unit.objects.filter(q).exclude(pk=issuer.pk)
    if notice.unit_kinds:
        units = units.filter(kind__in=notice.unit_kinds)
    if notice.site_kinds:
        units = units.filter(site_kind__in=notice.site_kinds)
    rows = list(units.order_by("path").values_list("pk", "path"))
    if not notice.role:
        return [(pk, path, None) for pk, path in rows]
    paths = dict(rows)
    result: list[tuple[int, str, int | None]] = []
    assignments = RoleAssignment.objects.filter(role=notice.role, user__is_active=True)
    for start in range(0, len(rows), BATCH):
        ids = [pk for pk, _path in rows[start : start + BATCH]]
        for unit_id, user_id in (
            assignments.filter(unit_id__in=ids)
            .order_by("unit_id", "user_id")
            .values_list("unit_id", "user_id")
        ):
            result.append((unit_id, paths[unit_id], user_id))
    return result


def _clean_recipients(
    issuer: Unit, recipients: Iterable[Unit], unit_kinds, site_kinds, role: str
) -> tuple[list[Unit], list[str], list[str]]:
    units = list(dict.fromkeys(recipients))
    if not units:
        raise InvalidInput(
            {"recipients": _("Choose at least one recipient unit.")}, code="no_recipients"
        )
    for unit in units:
        if not (unit.path.startswith(issuer.path) or _is_ancestor(unit, issuer)):
            raise InvalidInput(
                {
                    "recipients": _("%(unit)s is neither below the issuer nor its superior.")
                    % {"unit": unit.name}
                },
                code="unknown_unit",
            )
    unit_kinds = list(dict.fromkeys(unit_kinds or ()))
    site_kinds = list(dict.fromkeys(site_kinds or ()))
    bad = [k for k in unit_kinds if k not in UnitKind.values]
    if bad:
        raise InvalidInput({"unit_kinds": _("Unknown unit kind: %(k)s") % {"k": ", ".join(bad)}})
    bad = [k for k in site_kinds if k not in SiteKind.values]
    if bad:
        raise InvalidInput({"site_kinds": _("Unknown site kind: %(k)s") % {"k": ", ".join(bad)}})
    if role and role not in Role.values:
        raise InvalidInput({"role": _("Unknown role.")})
    return units, unit_kinds, site_kinds


# --- drafting, approving, issuing ---------------------------------------------------------


def draft_notice(
    *,
    actor,
    issuer: Unit,
    kind: str,
    title: str,
    body: str = "",
    recipients: Iterable[Unit] = (),
    unit_kinds: Iterable[str] = (),
    site_kinds: Iterable[str] = (),
    role: str = "",
    reply_by: datetime | None = None,
    signer_name: str = "",
    files: Iterable = (),
    submit: bool = True,
    preapproved: bool = False,
    now: datetime | None = None,
) -> Notice:
    """A notice of `issuer` to `recipients` (subtrees), sent for approval when the issuer
    needs it, else (and when `preapproved` or drafted by a leading-group member of the
    issuer) issued at once. Refused: no recipient at all (after the filters), a unit
    neither below the issuer nor its superior, a deadline in the past."""
    require(actor, NoticePerm.ISSUE_NOTICES, issuer.path)
    now = now or timezone.now()
    errors: dict = {}
    title = (title or "").strip()
    if not title:
        errors["title"] = _("A notice needs a title.")
    elif len(title) > 200:
        errors["title"] = _("At most 200 characters.")
    if kind not in NoticeKind.values:
        errors["kind"] = _("Choose order, notice, forwarded document or instruction.")
    if reply_by is not None and reply_by <= now:
        errors["reply_by"] = _("The reply deadline must be in the future.")
    if errors:
        raise InvalidInput(errors)
    units, unit_kinds, site_kinds = _clean_recipients(
        issuer, recipients, unit_kinds, site_kinds, role
    )
    from fangkong.funds.validation import check_files

    files = check_files(files)
    with transaction.atomic():
        notice = Notice.objects.create(
            kind=kind,
            issuer=issuer,
            unit_path=issuer.path,
            title=title,
            body=html.plain_to_html(body),
            signer_name=(signer_name or "").strip()[:50],
            unit_kinds=unit_kinds,
            site_kinds=site_kinds,
            role=role,
            reply_required=reply_by is not None,
            reply_by=reply_by,
            created_by=actor,
            created_at=now,
        )
        notice.root = notice
        notice.save(update_fields=["root"])
        NoticeTarget.objects.bulk_create([NoticeTarget(notice=notice, unit=u) for u in units])
        if not recipient_rows(notice):
            raise InvalidInput(
                {"recipients": _("Nobody matches these recipients and filters.")},
                code="no_recipients",
            )
        for f in files:
            Attachment.objects.create(notice=notice, file=f, name=f.name[:200], by=actor)
        record_change(actor, "create", notice, issuer.path, {"title": title, "kind": kind})
        if submit:
            _submit(actor, notice, now, preapproved)
    return notice


def issue_notice(
    *, actor, issuer: Unit, title: str, recipients: Iterable[Unit], **options
) -> Notice:
    """For other apps (a bulletin sent up to the superior with a receipt): a notice of
    `issuer`, already approved by the caller's own chain, issued at once."""
    options.setdefault("kind", NoticeKind.NOTICE)
    options.setdefault("preapproved", True)
    return draft_notice(actor=actor, issuer=issuer, title=title, recipients=recipients, **options)


def _leads(user, unit: Unit) -> bool:
    return (
        user.is_superuser
        or RoleAssignment.objects.filter(
            user=user, role=Role.LEADING_GROUP, unit_id__in=[unit.pk, *unit.ancestor_ids]
        ).exists()
    )


def _submit(actor, notice: Notice, now: datetime, preapproved: bool) -> None:
    if preapproved or approval_of(notice.issuer) == Approval.NONE or _leads(actor, notice.issuer):
        if not preapproved and approval_of(notice.issuer) != Approval.NONE:
            notice.approved_by, notice.approved_at = actor, now
        _issue(notice, now, actor)
        return
    notice.state = NoticeState.PENDING
    notice.save(update_fields=["state"])
    messages.notify_approvers(notice)


def submit_notice(*, actor, notice: Notice) -> Notice:
    require(actor, NoticePerm.ISSUE_NOTICES, notice.unit_path)
    with transaction.atomic():
        notice = Notice.objects.select_for_update().get(pk=notice.pk)
        if notice.state != NoticeState.DRAFT:
            raise Conflict("not_draft", _("Only a draft can be sent for approval."))
        _submit(actor, notice, timezone.now(), False)
    return notice


def approve_notice(*, actor, notice: Notice, now: datetime | None = None) -> Notice:
    """A leading-group member of the issuer (or above) approves: the notice is issued."""
    require(actor, NoticePerm.APPROVE_NOTICES, notice.unit_path)
    now = now or timezone.now()
    with transaction.atomic():
        notice = Notice.objects.select_for_update().select_related("issuer").get(pk=notice.pk)
        if notice.state != NoticeState.PENDING:
            raise Conflict("not_pending", _("This notice does not wait for approval."))
        notice.approved_by, notice.approved_at = actor, now
        _issue(notice, now, actor)
        record_change(actor, "approve", notice, notice.unit_path)
    return notice


def _issue(notice: Notice, now: datetime, actor) -> int:
    """Number the notice and write its receipts in batches; one message per batch of
    recipient units. Returns the number of receipts."""
    take_number(notice, now)
    rows = recipient_rows(notice)
    if not rows:
        raise InvalidInput(
            {"recipients": _("Nobody matches these recipients and filters.")}, code="no_recipients"
        )
    root_id = notice.root_id or notice.pk
    for start in range(0, len(rows), BATCH):
        Receipt.objects.bulk_create(
            [
                Receipt(
                    notice_id=notice.pk,
                    root_id=root_id,
                    unit_id=unit_id,
                    unit_path=path,
                    person_id=person_id,
                    delivered_at=now,
                )
                for unit_id, path, person_id in rows[start : start + BATCH]
            ],
            batch_size=BATCH,
        )
    notice.state = NoticeState.ISSUED
    notice.issued_at = now
    notice.receipt_count = len(rows)
    if not notice.signer_name:
        notice.signer_name = _person_name(notice.approved_by or actor)
    notice.signer = notice.approved_by or actor
    notice.save()
    messages.deliver(notice, rows)
    record_change(
        actor, "issue", notice, notice.unit_path, {"number": notice.number, "receipts": len(rows)}
    )
    return len(rows)


def _person_name(user) -> str:
    person = getattr(user, "person", None)
    return person.name if person is not None else user.get_username()


def withdraw_notice(*, actor, notice: Notice, reason: str = "") -> Notice:
    require(actor, NoticePerm.ISSUE_NOTICES, notice.unit_path)
    with transaction.atomic():
        notice = Notice.objects.select_for_update().get(pk=notice.pk)
        if notice.state == NoticeState.WITHDRAWN:
            raise Conflict("withdrawn", _("This notice is already withdrawn."))
        notice.state = NoticeState.WITHDRAWN
        notice.withdrawn_at = timezone.now()
        notice.save(update_fields=["state", "withdrawn_at"])
        record_change(actor, "withdraw", notice, notice.unit_path, {"reason": reason[:200]})
    return notice


# --- the recipients' side -----------------------------------------------------------------


def own_receipts(user, notice: Notice):
    """The receipts the user answers for: those of the units the user holds a role on
    (for a role-addressed notice, the user's own), and the user's unit on the roster."""
    unit_ids = set(RoleAssignment.objects.filter(user=user).values_list("unit_id", flat=True))
    person = getattr(user, "person", None)
    if person is not None:
        unit_ids.add(person.unit_id)
    rows = Receipt.objects.filter(notice=notice)
    if notice.role:
        return rows.filter(person=user)
    return rows.filter(Q(unit_id__in=unit_ids, person__isnull=True) | Q(person=user))


def mark_read(*, user, notice: Notice, now: datetime | None = None) -> int:
    """Opened by a person of the recipient unit: its receipts read, who and when (the
    first opening counts). Returns how many were marked."""
    if notice.state != NoticeState.ISSUED:
        return 0
    now = now or timezone.now()
    return own_receipts(user, notice).filter(read_at__isnull=True).update(read_at=now, read_by=user)


def acknowledge(
    *,
    actor,
    notice: Notice,
    reply: str = "",
    done: bool = False,
    files: Iterable = (),
    now: datetime | None = None,
) -> list[Receipt]:
    """签收 for the actor's units, with an optional written reply or 已落实 report and
    attachments; a later call adds the reply. Refused: a withdrawn notice (409), a notice
    the actor has no receipt of (403)."""
    now = now or timezone.now()
    reply = (reply or "").strip()
    if len(reply) > 4000:
        raise InvalidInput({"reply": _("At most 4000 characters.")})
    from fangkong.funds.validation import check_files

    files = check_files(files)
    with transaction.atomic():
        notice = Notice.objects.select_for_update().get(pk=notice.pk)
        if notice.state == NoticeState.WITHDRAWN:
            raise Conflict("withdrawn", _("This notice was withdrawn: it takes no more replies."))
        if notice.state != NoticeState.ISSUED:
            raise Conflict("not_issued", _("This notice is not issued yet."))
        receipts = list(own_receipts(actor, notice).select_for_update().select_related("unit"))
        if not receipts:
            raise PermissionDeniedInScope(_("Your unit is not a recipient of this notice."))
        receipts = [
            r for r in receipts if scope_of(actor, NoticePerm.ACK_NOTICES).covers(r.unit_path)
        ]
        if not receipts:
            raise PermissionDeniedInScope(_("You may not acknowledge notices for your unit."))
        for receipt in receipts:
            receipt.read_at = receipt.read_at or now
            receipt.read_by_id = receipt.read_by_id or actor.pk
            receipt.acked_at = receipt.acked_at or now
            receipt.acked_by_id = receipt.acked_by_id or actor.pk
            if reply or done:
                receipt.reply = reply or receipt.reply or "已落实"
                receipt.done = receipt.done or done
                receipt.replied_at = now
            receipt.save()
        for f in files:
            Attachment.objects.create(
                notice=notice, receipt=receipts[0], file=f, name=f.name[:200], by=actor
            )
        record_change(actor, "acknowledge", notice, receipts[0].unit_path, {"reply": bool(reply)})
    return receipts


# --- chasing ------------------------------------------------------------------------------


def laggards(notice: Notice):
    """Receipts still owing something: not read, not acknowledged, or (when a reply is
    required) not replied — of the notice, and for a chain's first notice of its forwards
    too (the SASAC chases down to the station)."""
    owing = Q(read_at__isnull=True) | Q(acked_at__isnull=True)
    if notice.reply_required:
        owing |= Q(replied_at__isnull=True)
    rows = (
        Receipt.objects.filter(root=notice)
        if notice.is_root
        else Receipt.objects.filter(notice=notice)
    )
    return rows.filter(owing)


def remind(*, actor, notice: Notice, now: datetime | None = None) -> Reminder:
    """再次提醒 every laggard of the notice, at most once every 5 minutes (429 with the time
    of the next one); each reminder goes one step further: in-app, then also SMS to the
    people on duty, then also the unit's robot (notify's channels)."""
    require(actor, NoticePerm.ISSUE_NOTICES, notice.unit_path)
    now = now or timezone.now()
    with transaction.atomic():
        notice = Notice.objects.select_for_update().select_related("issuer").get(pk=notice.pk)
        if notice.state != NoticeState.ISSUED:
            raise Conflict("not_issued", _("Only an issued notice can be reminded."))
        last = notice.last_reminded_at
        if last is not None and now < last + REMIND_INTERVAL:
            wait = int((last + REMIND_INTERVAL - now).total_seconds()) + 1
            from fangkong.core.localtime import show

            raise TooManyRequests(
                "too_soon",
                _("Reminded at %(at)s already; the next reminder is possible after %(next)s.")
                % {
                    "at": show(last, notice.issuer.timezone, "time"),
                    "next": show(last + REMIND_INTERVAL, notice.issuer.timezone, "time"),
                },
                retry_after=wait,
            )
        rows = list(laggards(notice).values_list("unit_id", "unit_path", "person_id"))
        if not rows:
            raise Conflict("nobody_owing", _("Every recipient has read and acknowledged it."))
        level = min(notice.remind_level + 1, 3)
        reminder = Reminder.objects.create(
            notice=notice, at=now, by=actor, level=level, units=len({r[0] for r in rows})
        )
        notice.remind_level = level
        notice.last_reminded_at = now
        notice.save(update_fields=["remind_level", "last_reminded_at"])
        messages.remind(notice, reminder, rows)
        record_change(
            actor, "remind", notice, notice.unit_path, {"level": level, "units": reminder.units}
        )
    return reminder


# --- forwarding ---------------------------------------------------------------------------


def forward_notice(
    *,
    actor,
    notice: Notice,
    issuer: Unit,
    cover_note: str = "",
    recipients: Iterable[Unit] | None = None,
    unit_kinds: Iterable[str] = (),
    site_kinds: Iterable[str] = (),
    role: str = "",
    reply_by: datetime | None = None,
    now: datetime | None = None,
) -> Notice:
    """转发 in one action: a unit that received `notice` sends it on to its own subtree
    (default: all of it) with its cover note, issued at once and numbered in its own
    series; the forward's receipts carry the original's root, so they roll up to it. The
    forwarder's own receipt is read and acknowledged (已转发)."""
    now = now or timezone.now()
    require(actor, NoticePerm.ISSUE_NOTICES, issuer.path)
    if notice.state != NoticeState.ISSUED:
        raise Conflict("not_issued", _("Only an issued notice can be forwarded."))
    own = Receipt.objects.filter(notice=notice, unit=issuer)
    if not own.exists():
        raise PermissionDeniedInScope(_("Your unit did not receive this notice."))
    if len(cover_note or "") > 4000:
        raise InvalidInput({"cover_note": _("At most 4000 characters.")})
    with transaction.atomic():
        forward = draft_notice(
            actor=actor,
            issuer=issuer,
            kind=NoticeKind.FORWARDED,
            title=_forward_title(notice.title),
            body=notice.body,
            recipients=list(recipients) if recipients else [issuer],
            unit_kinds=unit_kinds,
            site_kinds=site_kinds,
            role=role,
            reply_by=reply_by
            or (notice.reply_by if notice.reply_by and notice.reply_by > now else None),
            submit=False,
            now=now,
        )
        forward.original = notice
        forward.root_id = notice.root_id or notice.pk
        forward.cover_note = html.plain_to_html(cover_note)
        forward.save(update_fields=["original", "root", "cover_note"])
        _issue(forward, now, actor)
        own.filter(read_at__isnull=True).update(read_at=now, read_by=actor)
        own.filter(acked_at__isnull=True).update(acked_at=now, acked_by=actor)
        own.filter(replied_at__isnull=True).update(reply="已转发", replied_at=now)
    return forward


def _forward_title(title: str) -> str:
    text = f"关于转发《{title}》的通知"
    return text if len(text) <= 200 else title[:200]


# --- the sweep: missing replies past the deadline to the ledger ----------------------------


def record_missing_replies(now: datetime | None = None) -> dict:
    """Past a notice's reply deadline, each recipient unit with no reply gets one ledger
    entry (kind notice_reply_missing), once: the notice is marked swept; a second run or
    a second worker records nothing twice (the ledger's unique fact)."""
    from fangkong.accountability.services import record_entry

    now = now or timezone.now()
    due = Notice.objects.filter(
        state=NoticeState.ISSUED,
        reply_required=True,
        reply_by__lte=now,
        overdue_swept_at__isnull=True,
    ).select_related("issuer")
    done = recorded = failed = 0
    for notice in due[:50]:
        try:
            with transaction.atomic():
                locked = Notice.objects.select_for_update(skip_locked=True).filter(
                    pk=notice.pk, overdue_swept_at__isnull=True
                )
                if not locked.exists():
                    continue
                missing = (
                    Receipt.objects.filter(notice=notice, replied_at__isnull=True)
                    .select_related("unit")
                    .order_by("unit_id")
                    .distinct()
                )
                seen = set()
                for receipt in missing:
                    if receipt.unit_id in seen:
                        continue
                    seen.add(receipt.unit_id)
                    _entry, created = record_entry(
                        kind=ACCOUNTABILITY_KIND,
                        unit=receipt.unit,
                        day=receipt.unit.local_date(notice.reply_by),
                        object_type="notice",
                        object_id=notice.pk,
                        facts={
                            "notice": notice.pk,
                            "number": notice.number,
                            "title": notice.title,
                            "reply_by": notice.reply_by.isoformat() if notice.reply_by else "",
                        },
                        now=now,
                    )
                    recorded += int(created)
                locked.update(overdue_swept_at=now)
                done += 1
        except Exception:  # one bad notice is reported, never a reason to stop the batch
            import logging

            logging.getLogger(__name__).exception("notices: missing replies of %s", notice.pk)
            failed += 1
    return {"notices": done, "entries": recorded, "failed": failed}
