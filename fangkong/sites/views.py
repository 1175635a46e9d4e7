"""Pages of disinfection and ventilation: compliance of a subtree for a day with
drill-down, a site's slots (the liaison logs them there), the schedules of a subtree, the
printable QR sheet, and the phone page behind a site's QR code."""

from __future__ import annotations

import secrets
from datetime import date, timedelta

import segno
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from fangkong.core.errors import ServiceError
from fangkong.core.permissions import CorePerm
from fangkong.orgs.choices import SiteKind, UnitKind
from fangkong.orgs.models import Person
from fangkong.orgs.queries import get_breadcrumbs, get_unit_for, list_root_units

from . import links, queries, schedules, services
from .choices import Covers, SlotState, Via, Work
from .models import Slot
from .permissions import SitesPerm

PAGE_SIZE = 50
TREND_DAYS = 7


def _unit(request, perm=CorePerm.VIEW):
    code = (request.GET.get("unit") or request.POST.get("unit") or "").strip()
    if code:
        return get_unit_for(request.user, code, perm)
    unit = list_root_units(request.user, perm).first()
    if unit is None:
        raise Http404
    return unit


def _day(request, unit) -> date:
    today = unit.local_date()
    try:
        return date.fromisoformat(request.GET.get("day") or request.POST.get("day") or "")
    except ValueError:
        return today


def _site_url(site, day) -> str:
    return f"{reverse('sites:site', args=[site.code])}?{urlencode({'day': day.isoformat()})}"


# --- compliance ---------------------------------------------------------------------------


@login_required
@require_GET
def compliance(request):
    """A subtree's slots of a day: counts, each child's (drill down), the slots listed."""
    unit = _unit(request)
    day = _day(request, unit)
    state = request.GET.get("state") or ""
    if state not in SlotState.values:
        state = ""
    totals, children = queries.get_compliance(unit, day)
    days = [day - timedelta(days=n) for n in range(TREND_DAYS - 1, -1, -1)]
    # The slots listed: of the state asked for; a site's all; else the missed ones.
    listing = state or ("" if unit.kind == UnitKind.SITE else SlotState.MISSED)
    slots = queries.list_slots(request.user, unit, day, state=listing)
    page = Paginator(slots, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "sites/compliance.html",
        {
            "unit": unit,
            "day": day,
            "today": unit.local_date(),
            "state": state,
            "states": SlotState.choices,
            "totals": totals,
            "children": [c for c in children if c.compliance["total"]],
            "quiet_children": sum(1 for c in children if not c.compliance["total"]),
            "trend": queries.get_daily_compliance(unit, days),
            "page": page,
            "listing": listing,
            "query": urlencode(
                {k: v for k, v in (("unit", unit.code), ("day", day), ("state", state)) if v}
            ),
            "breadcrumbs": get_breadcrumbs(request.user, unit),
            "can_manage": queries.can(request.user, SitesPerm.MANAGE_SCHEDULES, unit),
        },
    )


# --- a site's slots -----------------------------------------------------------------------


@login_required
@require_GET
def site(request, code: str):
    """A site's slots of a day; the liaison logs them here."""
    unit = get_unit_for(request.user, code)
    day = _day(request, unit)
    now = timezone.now()
    slots = list(queries.list_site_slots(unit, day))
    can_log = queries.can(request.user, SitesPerm.LOG_SLOTS, unit)
    loggable = {s.pk for s in queries.open_slots(slots, now)} if can_log else set()
    for slot in slots:
        slot.loggable = slot.pk in loggable
        slot.work = sorted(Covers.work(slot.covers))
    me = Person.objects.filter(user=request.user, is_active=True).first()
    return render(
        request,
        "sites/site.html",
        {
            "unit": unit,
            "day": day,
            "today": unit.local_date(now),
            "slots": slots,
            "plan": schedules.plan_for(unit),
            "staff": queries.list_site_staff(unit) if loggable else [],
            "me": me,
            "work": Work.choices,
            "can_manage": queries.can(request.user, SitesPerm.MANAGE_SCHEDULES, unit),
            "breadcrumbs": get_breadcrumbs(request.user, unit),
            "is_site": unit.kind == UnitKind.SITE,
        },
    )


def _person(raw, slot) -> Person | None:
    try:
        pk = int(raw)
    except (TypeError, ValueError):
        return None
    # Outside the site's staff it is refused by the service ("person").
    return Person.objects.filter(pk=pk).first()


@login_required
@require_POST
def slot_log(request, slot_id: int):
    slot = queries.get_slot_for(request.user, slot_id)
    try:
        services.log_slot(
            slot=slot,
            done=request.POST.getlist("done"),
            note=request.POST.get("note", ""),
            photo=request.FILES.get("photo"),
            person=_person(request.POST.get("person"), slot),
            actor=request.user,
            via=Via.PAGE,
        )
    except ServiceError as exc:
        problems = [str(m) for msgs in exc.fields.values() for m in msgs] or [str(exc.message)]
        messages.error(request, "；".join(problems))
    else:
        messages.success(
            request,
            _("Logged: %(label)s of %(site)s.")
            % {"label": slot.label or slot.get_covers_display(), "site": slot.site.name},
        )
    return redirect(f"{_site_url(slot.site, slot.day)}#slot-{slot.pk}")


# --- schedules ------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def schedules_page(request):
    unit = _unit(request)
    can_manage = queries.can(request.user, SitesPerm.MANAGE_SCHEDULES, unit)
    errors, raw = {}, {}
    if request.method == "POST":
        if not can_manage:
            raise Http404
        kind = request.POST.get("site_kind", "")
        if request.POST.get("action") == "clear":
            schedules.clear_schedule(actor=request.user, unit=unit, site_kind=kind)
            messages.success(request, _("The schedule set here was removed."))
            return redirect(f"{reverse('sites:schedules')}?unit={unit.code}")
        raw = {k: request.POST.get(k, "") for k in ("site_kind", "slots", "window", "grace")}
        try:
            rows = schedules.parse_slots(raw["slots"])
        except ValueError as exc:
            errors["slots"] = [str(exc)]
        try:
            window = int(raw["window"] or schedules.WINDOW)
            grace = int(raw["grace"] or schedules.GRACE)
        except ValueError:
            errors["window_minutes"] = [_("Enter whole minutes.")]
        if not errors:
            try:
                schedules.set_schedule(
                    actor=request.user,
                    unit=unit,
                    site_kind=kind,
                    slots=rows,
                    window_minutes=window,
                    grace_minutes=grace,
                )
            except ServiceError as exc:
                errors = exc.fields
            else:
                messages.success(
                    request,
                    _("Saved. Slots not started yet follow it within ten minutes."),
                )
                return redirect(f"{reverse('sites:schedules')}?unit={unit.code}")
    plans = queries.effective_plans(unit)
    counts = queries.count_sites(unit)
    for row in plans:
        row["sites"] = counts.get(row["kind"], 0)
        plan = row["plan"]
        row["text"] = (
            "\n".join(f"{s.at:%H:%M} {COVER_WORD[s.covers]} {s.agent}".strip() for s in plan.slots)
            if plan
            else ""
        )
    shown = [r for r in plans if r["sites"] or r["own"] or unit.kind == UnitKind.SITE]
    return render(
        request,
        "sites/schedules.html",
        {
            "unit": unit,
            "plans": shown,
            "other_kinds": [r for r in plans if r not in shown],
            "errors": errors,
            "raw": raw,
            "can_manage": can_manage,
            "window": schedules.WINDOW,
            "grace": schedules.GRACE,
            "breadcrumbs": get_breadcrumbs(request.user, unit),
        },
    )


COVER_WORD = {Covers.BOTH: "消毒通风", Covers.DISINFECTION: "消毒", Covers.VENTILATION: "通风"}


# --- the QR sheet ----------------------------------------------------------------------


def _link_url(request, link) -> str:
    return request.build_absolute_uri(reverse("sites:scan", args=[links.link_token(link)]))


@login_required
@require_http_methods(["GET", "POST"])
def qr_sheet(request):
    """One printable A4 page per site of the subtree, with its QR code and its slots."""
    unit = _unit(request, SitesPerm.MANAGE_SCHEDULES)
    sites = queries.list_sites(request.user, unit)
    if request.method == "POST":
        missing = list(sites.exclude(pk__in=links.live_links(sites).keys()))
        links.issue_links(actor=request.user, sites=missing)
        messages.success(request, _("%(n)s QR codes issued.") % {"n": len(missing)})
        return redirect(f"{reverse('sites:qr_sheet')}?unit={unit.code}")
    page = Paginator(sites, PAGE_SIZE).get_page(request.GET.get("page"))
    live = links.live_links(page)
    for s in page:
        s.link = live.get(s.pk)
        s.plan = schedules.plan_for(s)
        if s.link is not None:
            s.url = _link_url(request, s.link)
            s.qr = segno.make(s.url, error="m").svg_inline(scale=6)
    return render(
        request,
        "sites/qr_sheet.html",
        {
            "unit": unit,
            "page": page,
            "query": urlencode({"unit": unit.code}),
            "without": sites.count() - len(links.live_links(sites)),
            "breadcrumbs": get_breadcrumbs(request.user, unit),
        },
    )


@login_required
@require_POST
def link_change(request, code: str):
    """Reissue (the printed code stops working) or revoke a site's QR link."""
    site_unit = get_unit_for(request.user, code, SitesPerm.MANAGE_SCHEDULES)
    if request.POST.get("action") == "revoke":
        links.revoke_link(actor=request.user, site=site_unit)
        messages.success(
            request, _("The QR code of %(name)s no longer works.") % {"name": site_unit.name}
        )
    else:
        links.issue_links(actor=request.user, sites=[site_unit], reissue=True)
        messages.success(
            request,
            _("A new QR code for %(name)s is ready; print it, the old one no longer works.")
            % {"name": site_unit.name},
        )
    return redirect(request.POST.get("next") or f"{reverse('sites:qr_sheet')}?unit={code}")


# --- the phone page behind a site's QR code ----------------------------------------------

LINK_PROBLEMS = {
    "invalid": gettext_lazy(
        "This QR code is not valid. Ask the site's liaison for the current one."
    ),
    "revoked": gettext_lazy("This QR code has been replaced. Scan the one now on the wall."),
    "closed": gettext_lazy("This site is closed; nothing is logged here any more."),
}


def _unlogged(response):
    """The token is a credential: keep it out of Django's 4xx log lines."""
    response._has_been_logged = True
    return response


# No CSRF token: the secret is in the URL, not in a cookie (see health's self_checkin).
@csrf_exempt
@require_http_methods(["GET", "POST"])
def scan(request, token: str):
    """A site's worker logs a slot from a phone: chooses themselves from the site's staff
    and the slot, ticks what was done, optionally a photo. No password, no login."""
    now = timezone.now()
    try:
        link = links.resolve_link(token, now)
    except links.LinkError as exc:
        return _unlogged(
            render(request, "sites/scan.html", {"problem": LINK_PROBLEMS[exc.reason]}, status=404)
        )
    site_unit = link.site
    day = site_unit.local_date(now)
    errors, done, raw = {}, None, {}
    slots = list(queries.list_site_slots(site_unit, day))
    staff = queries.list_site_staff(site_unit)
    if request.method == "POST":
        raw = {
            "slot": request.POST.get("slot", ""),
            "person": request.POST.get("person", ""),
            "done": request.POST.getlist("done"),
            "note": request.POST.get("note", ""),
        }
        slot = next((s for s in slots if str(s.pk) == raw["slot"]), None)
        person = next((p for p in staff if str(p.pk) == raw["person"]), None)
        if slot is None:
            errors["slot"] = [_("Choose the slot you did.")]
        if person is None:
            errors["person"] = [_("Choose your name.")]
        if not errors:
            try:
                done = services.log_slot(
                    slot=slot,
                    done=raw["done"],
                    note=raw["note"],
                    photo=request.FILES.get("photo"),
                    person=person,
                    via=Via.QR,
                    site=site_unit,
                    now=now,
                )
            except ServiceError as exc:
                again = Slot.objects.filter(pk=slot.pk, done_by=person).first()
                if exc.code == "already_logged" and again is not None:
                    done = again  # the same worker sent it twice (a weak network): done
                else:
                    errors = exc.fields or {"slot": [exc.message]}
            if done is not None:
                link.last_used_at = now
                link.save(update_fields=["last_used_at"])
                slots = list(queries.list_site_slots(site_unit, day))
    open_now = queries.open_slots(slots, now)
    if not raw.get("slot") and open_now:
        raw["slot"] = str(open_now[0].pk)
    for s in slots:
        s.work = sorted(Covers.work(s.covers))
    return _unlogged(
        render(
            request,
            "sites/scan.html",
            {
                "site": site_unit,
                "day": day,
                "slots": slots,
                "open": open_now,
                "staff": staff,
                "errors": errors,
                "raw": raw,
                "done": done,
                "work": Work.choices,
                "kind_label": SiteKind(site_unit.site_kind).label if site_unit.site_kind else "",
                "signin": _signin_on(site_unit),
                "token": token,
            },
            status=400 if errors else 200,
        )
    )


def _signin_on(site_unit) -> bool:
    from fangkong.checkpoints.queries import list_signin_checkpoints

    return any(c.signin_enabled for c in list_signin_checkpoints(site_unit))


# No CSRF token: the secret is in the URL (as `scan`); a one-time key per form makes a
# double submit one sign-in.
@csrf_exempt
@require_http_methods(["GET", "POST"])
def scan_signin(request, token: str):
    """A staff member signs in at a checkpoint of the site by its QR code: chooses
    themselves from the site's staff, the direction if they like. Only at checkpoints that
    turned sign-in on; otherwise the page says it is not enabled."""
    from fangkong.checkpoints import queries as checkpoint_queries
    from fangkong.checkpoints import services as checkpoint_services
    from fangkong.checkpoints.choices import Direction, Source

    now = timezone.now()
    try:
        link = links.resolve_link(token, now)
    except links.LinkError as exc:
        return _unlogged(
            render(request, "sites/signin.html", {"problem": LINK_PROBLEMS[exc.reason]}, status=404)
        )
    site_unit = link.site
    points = [c for c in checkpoint_queries.list_signin_checkpoints(site_unit) if c.signin_enabled]
    context = {"site": site_unit, "day": site_unit.local_date(now), "points": points}
    if not points:
        context["off"] = True
        return _unlogged(render(request, "sites/signin.html", context))
    staff = queries.list_site_staff(site_unit)
    errors, done, raw = {}, None, {"checkpoint": str(points[0].pk)}
    if request.method == "POST":
        raw = {k: request.POST.get(k, "") for k in ("checkpoint", "person", "direction", "key")}
        point = next((c for c in points if str(c.pk) == raw["checkpoint"]), None)
        person = next((p for p in staff if str(p.pk) == raw["person"]), None)
        if point is None:
            errors["checkpoint"] = [_("Choose the checkpoint.")]
        if person is None:
            errors["person"] = [_("Choose your name.")]
        if not errors:
            try:
                done, _created = checkpoint_services.sign_in(
                    checkpoint=point,
                    person=person,
                    direction=raw["direction"],
                    source=Source.QR,
                    entry_key=(raw["key"] or "")[:40] or None,
                    now=now,
                )
            except ServiceError as exc:
                errors = exc.fields or {"checkpoint": [exc.message]}
            else:
                link.last_used_at = now
                link.save(update_fields=["last_used_at"])
    context.update(
        {
            "staff": staff,
            "errors": errors,
            "raw": raw,
            "done": done,
            "directions": Direction.choices,
            "key": secrets.token_urlsafe(16),
        }
    )
    return _unlogged(render(request, "sites/signin.html", context, status=400 if errors else 200))
