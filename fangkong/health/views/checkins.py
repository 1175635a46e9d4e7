"""Pages of the daily check-in: the phone page behind a personal link, the liaison's grid,
the Excel upload, completeness of a subtree, personal links and QR codes, a person's
health record. Person-level health data is shown only under HealthPerm.VIEW_HEALTH and every
view or export of it goes into the access log."""

import uuid
from datetime import date

import segno
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import path, reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from fangkong.core.audit import log_access
from fangkong.core.errors import InvalidInput
from fangkong.core.permissions import CorePerm, Permission
from fangkong.core.scope import scope_of
from fangkong.core.xlsx import NotExcel, xlsx_response
from fangkong.notify.queries import list_chase_receipts
from fangkong.orgs.models import Person
from fangkong.orgs.queries import get_breadcrumbs, get_person_for, get_unit_for, list_root_units

from .. import chases, excel
from ..choices import Category, Symptom, Whereabouts
from ..models import CheckIn, HealthCase
from ..permissions import HealthPerm
from ..queries import checkins as queries
from ..services import checkins as services

PAGE_SIZE = 50


def _day(request, unit) -> date:
    today = unit.local_date()
    try:
        day = date.fromisoformat(request.GET.get("day") or request.POST.get("day") or "")
    except ValueError:
        return today
    return min(day, today)


def _unit(request, code: str | None, perm: Permission = HealthPerm.VIEW_HEALTH):
    if code:
        return get_unit_for(request.user, code, perm)
    roots = list_root_units(request.user)
    if not roots or not scope_of(request.user, perm).covers(roots[0].path):
        raise Http404
    return roots[0]


# --- completeness ------------------------------------------------------------------------


@login_required
@require_GET
def checkin_overview(request):
    """Today's check-ins of a subtree: counts, each child, and who has not checked in."""
    unit = _unit(request, (request.GET.get("unit") or "").strip())
    day = _day(request, unit)
    tab = request.GET.get("tab") or "missing"
    children, direct, summary = queries.list_child_summaries(unit, day)
    if tab == "fever":
        rows = queries.list_checkins(request.user, unit, day, fever=True)
    elif tab == "all":
        rows = queries.list_checkins(request.user, unit, day)
    else:
        tab, rows = "missing", queries.list_not_checked_in(request.user, unit, day)
    page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    chase_what = chases.what(day)
    receipts = list_chase_receipts(chase_what, [unit, *children])
    for child in children:
        child.chase_receipt = receipts.get(child.pk)
    return render(
        request,
        "health/checkin_overview.html",
        {
            "unit": unit,
            "day": day,
            "summary": summary,
            "children": children,
            "direct": direct,
            "categories": Category.choices,
            "tab": tab,
            "page": page,
            "query": urlencode({"unit": unit.code, "day": day.isoformat(), "tab": tab}),
            "can_manage": scope_of(request.user, HealthPerm.MANAGE_HEALTH).covers(unit.path),
            "breadcrumbs": get_breadcrumbs(request.user, unit),
            "breadcrumb_tail": _("Check-ins"),
            "chase_what": chase_what,
            "chase_receipt": receipts.get(unit.pk),
        },
    )


@login_required
@require_GET
def checkin_export(request, code: str):
    """The list of the overview's tab (`tab`: missing, fever, all) as an Excel file."""
    unit = _unit(request, code)
    day = _day(request, unit)
    tab = request.GET.get("tab") or "all"
    if tab not in excel.TABS:
        tab = "all"
    log_access(
        request,
        "export",
        "checkin",
        "",
        unit.path,
        detail={"format": "excel", "day": day, "checkins": tab},
    )
    return xlsx_response(
        excel.export_workbook(user=request.user, unit=unit, day=day, tab=tab),
        f"checkins-{unit.code}-{day}-{tab}.xlsx",
    )


# --- the liaison's grid -----------------------------------------------------------------


# Fields by the grid's column headers, in its refusals ("体温：…", not "temperature: …").
GRID_LABELS = {
    "temperature": gettext_lazy("Temperature"),
    "symptoms": gettext_lazy("Symptom"),
    "whereabouts": gettext_lazy("Where today"),
    "category": gettext_lazy("Category"),
    "risk_contact": gettext_lazy("Risk-area contact"),
    "case_contact": gettext_lazy("Case contact"),
    "vouched": gettext_lazy("Normal, as reported"),
}
# The keys of a batch's refusal that are not rows.
GENERAL = ("rows", "day", "reason")


def _form_of(c) -> dict:
    """A saved check-in as the grid shows it."""
    return {
        "t": "" if c.temperature is None else str(c.temperature),
        "s": (c.symptoms or [""])[0],
        "w": c.whereabouts,
        "c": c.category,
        "rc": c.risk_contact,
        "cc": c.case_contact,
        "v": c.vouched_by_id is not None,
    }


def _posted(post, pid) -> dict:
    return {
        "t": post.get(f"t_{pid}", "").strip(),
        "s": post.get(f"s_{pid}", ""),
        "w": post.get(f"w_{pid}", ""),
        "c": post.get(f"c_{pid}", ""),
        "rc": bool(post.get(f"rc_{pid}")),
        "cc": bool(post.get(f"cc_{pid}")),
        "v": bool(post.get(f"v_{pid}")),
    }


def _grid_rows(post, people) -> tuple[list[dict], int]:
    """The rows typed in the grid, and how many were left blank (not saved: nothing was
    measured or vouched for). "All normal, as reported" (`vouch_blank`) vouches for every
    blank row of someone not yet checked in today."""
    rows, blank = [], 0
    vouch_blank = bool(post.get("vouch_blank"))
    for number, person in enumerate(people, start=1):
        pid = person.pk
        if post.get(f"x_{pid}"):
            continue  # not checked in today (on leave, not reached)
        own = person.checkin is not None and not person.checkin.is_proxy
        if own and _posted(post, pid) == _form_of(person.checkin):
            continue  # the person's own check-in, left as it is
        symptom = post.get(f"s_{pid}", "")
        temperature = post.get(f"t_{pid}", "").strip()
        vouched = bool(post.get(f"v_{pid}"))
        flags = symptom or post.get(f"rc_{pid}") or post.get(f"cc_{pid}")
        if not temperature and not vouched and not flags:
            if not (vouch_blank and person.checkin is None):
                blank += 1
                continue
            vouched = True
        rows.append(
            {
                "_row": number,
                "person": pid,
                "temperature": temperature,
                "vouched": vouched,
                "symptoms": [symptom] if symptom else [],
                "whereabouts": post.get(f"w_{pid}", ""),
                "category": post.get(f"c_{pid}", ""),
                "risk_contact": bool(post.get(f"rc_{pid}")),
                "case_contact": bool(post.get(f"cc_{pid}")),
            }
        )
    return rows, blank


@login_required
@require_http_methods(["GET", "POST"])
def checkin_grid(request, code: str):
    """All the staff placed directly in a unit on one page, with today's check-in where
    there is one and the usual place and category otherwise. The temperature is blank
    unless measured (虚报, seed 004): the liaison types what was measured, or vouches for a
    row ("all normal, as reported to me"); blank rows are not saved. Replacing someone's
    own check-in needs the confirmation and a reason."""
    unit = _unit(request, code, HealthPerm.MANAGE_HEALTH)
    day = _day(request, unit)
    people = queries.list_grid(unit, day)
    errors, submitted = {}, None
    if request.method == "POST":
        submitted = request.POST
        rows, blank = _grid_rows(request.POST, people)
        try:
            if not rows:
                raise InvalidInput(
                    {
                        "rows": _(
                            "Nothing to save: type what was measured, or "
                            "mark who reported all normal."
                        )
                    }
                )
            outcome = services.check_in_unit(
                actor=request.user,
                unit=unit,
                day=day,
                rows=rows,
                key=request.POST.get("idempotency_key", ""),
                replace_own=bool(request.POST.get("replace_own")),
                reason=request.POST.get("replace_reason", ""),
                labels={k: str(v) for k, v in GRID_LABELS.items()},
            )
        except InvalidInput as exc:
            errors = exc.fields
            messages.error(request, exc.message)
        else:
            messages.success(
                request,
                _(
                    "Saved: %(created)s new, %(updated)s changed, %(unchanged)s unchanged; "
                    "%(cases)s health cases opened; %(blank)s rows left blank, not saved."
                )
                % {
                    "created": outcome.created,
                    "updated": outcome.updated,
                    "unchanged": outcome.unchanged,
                    "cases": outcome.cases_opened,
                    "blank": blank,
                },
            )
            url = reverse("health:checkin_grid", args=[unit.code])
            return redirect(f"{url}?day={day.isoformat()}")
    row_label = _("row %(n)s")
    for number, person in enumerate(people, start=1):
        c = person.checkin
        if submitted is not None:
            person.form = {
                **_posted(submitted, person.pk),
                "x": bool(submitted.get(f"x_{person.pk}")),
            }
        elif c is not None:
            person.form = _form_of(c)
        else:  # blank: nobody has measured anything yet
            person.form = {"t": "", "s": "", "w": Whereabouts.AT_POST, "c": person.default_category}
        person.errors = errors.get(row_label % {"n": number}, [])
    # Rows are numbered in the order of the grid, as check_in_unit numbers them.
    return render(
        request,
        "health/checkin_grid.html",
        {
            "unit": unit,
            "day": day,
            "people": people,
            "symptoms": Symptom.choices,
            "whereabouts": Whereabouts.choices,
            "categories": Category.choices,
            "general_errors": [m for k in GENERAL for m in errors.get(k, [])],
            "own_conflict": any(p.errors for p in people if p.checkin and not p.checkin.is_proxy),
            "replace_reason": submitted.get("replace_reason", "") if submitted else "",
            "idempotency_key": uuid.uuid4().hex,
            "breadcrumbs": get_breadcrumbs(request.user, unit),
            "breadcrumb_tail": _("Enter check-ins"),
        },
    )


# --- Excel -------------------------------------------------------------------------------


@login_required
@require_GET
def checkin_template(request, code: str):
    unit = _unit(request, code, HealthPerm.MANAGE_HEALTH)
    day = _day(request, unit)
    return xlsx_response(excel.template_workbook(unit, day), f"checkin-template-{unit.code}.xlsx")


@login_required
@require_http_methods(["GET", "POST"])
def checkin_upload(request, code: str):
    unit = _unit(request, code, HealthPerm.MANAGE_HEALTH)
    day = _day(request, unit)
    row_errors, general = [], []
    if request.method == "POST":
        upload = request.FILES.get("file")
        if upload is None:
            general.append(_("Choose the filled-in sheet to upload."))
        else:
            try:
                outcome = excel.import_workbook(
                    actor=request.user, unit=unit, day=day, upload=upload
                )
            except NotExcel as exc:
                general.append(str(exc))
            except services.RowsRefused as exc:
                general.append(str(exc.message))
                general += [str(m) for k in GENERAL for m in exc.fields.get(k, [])]
                row_errors = excel.row_errors(exc)
            except InvalidInput as exc:  # the batch as a whole: the day, its size
                general += [str(m) for msgs in exc.fields.values() for m in msgs]
            else:
                messages.success(
                    request,
                    _(
                        "Uploaded: %(created)s new, %(updated)s changed, %(unchanged)s unchanged; "
                        "%(cases)s health cases opened."
                    )
                    % {
                        "created": outcome.created,
                        "updated": outcome.updated,
                        "unchanged": outcome.unchanged,
                        "cases": outcome.cases_opened,
                    },
                )
                url = reverse("health:checkins")
                return redirect(f"{url}?{urlencode({'unit': unit.code, 'day': day.isoformat()})}")
    return render(
        request,
        "health/checkin_upload.html",
        {
            "unit": unit,
            "day": day,
            "row_errors": row_errors,
            "general_errors": general,
            "breadcrumbs": get_breadcrumbs(request.user, unit),
            "breadcrumb_tail": _("Upload check-ins"),
        },
    )


# --- personal links ------------------------------------------------------------------------


def _link_url(request, link) -> str:
    return request.build_absolute_uri(
        reverse("health:self_checkin", args=[services.link_token(link)])
    )


@login_required
@require_GET
def link_list(request, code: str):
    """The staff of a subtree with their personal check-in links and QR codes (printable)."""
    unit = _unit(request, code, HealthPerm.MANAGE_HEALTH)
    people = Person.objects.in_subtree(unit).filter(is_active=True).select_related("unit")
    page = Paginator(people.order_by("unit_path", "employee_no"), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    links = queries.live_links(page)
    for person in page:
        link = links.get(person.pk)
        person.link = link
        if link is not None:
            person.url = _link_url(request, link)
            person.qr = segno.make(person.url, error="m").svg_inline(scale=3)
    log_access(request, "view", "checkin_link", "", unit.path)
    return render(
        request,
        "health/link_list.html",
        {
            "unit": unit,
            "page": page,
            "query": urlencode({"unit": unit.code}),
            "without": people.exclude(checkin_links__revoked_at__isnull=True).count(),
            "breadcrumbs": get_breadcrumbs(request.user, unit),
            "breadcrumb_tail": _("Check-in links"),
        },
    )


@login_required
@require_POST
def link_issue_all(request, code: str):
    unit = _unit(request, code, HealthPerm.MANAGE_HEALTH)
    people = Person.objects.in_subtree(unit).filter(is_active=True)
    missing = list(people.exclude(checkin_links__revoked_at__isnull=True))
    services.issue_links(actor=request.user, people=missing)
    messages.success(request, _("%(n)s links issued.") % {"n": len(missing)})
    return redirect("health:link_list", unit.code)


@login_required
@require_POST
def link_change(request, person_id: int):
    """Reissue (the old QR code stops working) or revoke a person's link."""
    person = get_person_for(request.user, person_id, HealthPerm.MANAGE_HEALTH)
    if request.POST.get("action") == "revoke":
        services.revoke_link(actor=request.user, person=person)
        messages.success(
            request, _("The link of %(name)s no longer works.") % {"name": person.name}
        )
    else:
        services.issue_links(actor=request.user, people=[person], reissue=True)
        messages.success(
            request,
            _("A new link for %(name)s is ready; the old one no longer works.")
            % {"name": person.name},
        )
    return redirect(
        request.POST.get("next") or reverse("health:link_list", args=[person.unit.code])
    )


# --- the phone page ------------------------------------------------------------------------


LINK_PROBLEMS = {  # lazy: read in the visitor's language
    "invalid": gettext_lazy(
        "This check-in link is not valid. Ask your liaison for your personal link."
    ),
    "revoked": gettext_lazy(
        "This check-in link has been replaced. Ask your liaison for the new one."
    ),
    "expired": gettext_lazy("This check-in link has expired. Ask your liaison for a new one."),
}


def _phone_page(template: str, context: dict, status: int = 200) -> HttpResponse:
    """The phone pages stand alone (no menu, no user): rendered without the request, so
    without the site's context processors (menu, scope, inbox), which they never show."""
    return _unlogged(HttpResponse(render_to_string(template, context), status=status))


# No CSRF token here: the secret is in the URL, not in a cookie, so another site cannot make
# a visitor's browser post with it (there is no ambient credential to ride on).
@csrf_exempt
@require_http_methods(["GET", "POST"])
def self_checkin(request, token: str):
    """A person checks in from their phone through their personal link: no password, no
    login, light enough for the WeChat browser on a weak network. A check-in is answered
    with a small page of its own, not the form again (the morning peak: one token check,
    one insert, one tally upsert); the page links back to the form to correct it."""
    now = timezone.now()
    try:
        link = services.resolve_link(token, now)
    except services.LinkError as exc:
        return _phone_page(
            "health/self_checkin.html", {"problem": LINK_PROBLEMS[exc.reason]}, status=404
        )
    person = link.person
    day = person.unit.local_date(now)
    errors, raw = {}, {}
    if request.method == "POST":
        raw = {
            "temperature": request.POST.get("temperature", ""),
            "symptoms": request.POST.getlist("symptoms"),
            "whereabouts": request.POST.get("whereabouts", ""),
            "category": request.POST.get("category", ""),
            "risk_contact": request.POST.get("risk_contact", ""),
            "case_contact": request.POST.get("case_contact", ""),
        }
        try:
            outcome = services.check_in_self(
                link=link, raw=raw, key=request.POST.get("key", ""), now=now
            )
        except InvalidInput as exc:
            errors = exc.fields
        else:
            # Answered at once, not redirected: a phone on a weak network makes one request
            # instead of two; a resubmission carries the same key and changes nothing.
            done = outcome.checkins[person.pk]
            return _phone_page(
                "health/self_checkin_done.html",
                {"person": person, "day": day, "done": done, "fever": done.is_fever},
            )
    current = CheckIn.objects.filter(person=person, day=day).first()
    if not raw and current is not None:
        raw = {
            "temperature": current.temperature,
            "symptoms": current.symptoms,
            "whereabouts": current.whereabouts,
            "category": current.category,
            "risk_contact": "1" if current.risk_contact else "",
            "case_contact": "1" if current.case_contact else "",
        }
    elif not raw:
        default = services.default_categories([person], day)[person.pk]
        raw = {
            "temperature": "",
            "symptoms": [],
            "whereabouts": Whereabouts.AT_POST,
            "category": default,
            "risk_contact": "",
            "case_contact": "",
        }
    return _phone_page(
        "health/self_checkin.html",
        {
            "person": person,
            "day": day,
            "current": current,
            "errors": errors,
            "raw": raw,
            "symptoms": Symptom.choices,
            "whereabouts": Whereabouts.choices,
            "categories": Category.choices,
            "key": uuid.uuid4().hex,
        },
        status=400 if errors else 200,
    )


def _unlogged(response):
    """Django logs every 4xx with its path ("Bad Request: /health/c/<token>/"): the token is
    a credential, so these responses are marked as logged already."""
    response._has_been_logged = True
    return response


# --- a person's health record ----------------------------------------------------------------


@login_required
@require_GET
def person_health(request, person_id: int):
    person = get_person_for(request.user, person_id, HealthPerm.VIEW_HEALTH)
    can_manage = scope_of(request.user, HealthPerm.MANAGE_HEALTH).covers(person.unit_path)
    link = queries.live_links([person]).get(person.pk) if can_manage else None
    return render(
        request,
        "health/person.html",
        {
            "person": person,
            "checkins": queries.list_person_checkins(request.user, person),
            "cases": HealthCase.objects.filter(person=person).order_by("-opened_at")[:20],
            "observations": person.observations.order_by("-start_on")[:20],
            "trips": person.trips.select_related("family_member").order_by("-depart_on")[:20],
            "can_manage": can_manage,
            "link": link,
            "link_url": _link_url(request, link) if link else "",
            "symptoms": Symptom.choices,
            "breadcrumbs": get_breadcrumbs(request.user, person.unit),
            "breadcrumb_tail": person.name,
        },
    )


# --- panels on the unit and person pages ------------------------------------------------------


def unit_panel(request, unit) -> str:
    """Today's check-ins on a unit's page (counts only: no person-level data)."""
    if not scope_of(request.user, CorePerm.VIEW).covers(unit.path):
        return ""
    day = unit.local_date()
    return render_to_string(
        "health/_unit_panel.html",
        {
            "unit": unit,
            "day": day,
            "summary": queries.get_checkin_summary_for(request.user, unit, day),
            "can_view": scope_of(request.user, HealthPerm.VIEW_HEALTH).covers(unit.path),
            "can_manage": scope_of(request.user, HealthPerm.MANAGE_HEALTH).covers(unit.path),
        },
        request=request,
    )


def person_panel(request, person) -> str:
    if not scope_of(request.user, HealthPerm.VIEW_HEALTH).covers(person.unit_path):
        return ""
    return render_to_string("health/_person_panel.html", {"person": person}, request=request)


urlpatterns = [
    path("checkins/", checkin_overview, name="checkins"),
    path("checkins/<str:code>/grid/", checkin_grid, name="checkin_grid"),
    path("checkins/<str:code>/upload/", checkin_upload, name="checkin_upload"),
    path("checkins/<str:code>/template.xlsx", checkin_template, name="checkin_template"),
    path("checkins/<str:code>/export.xlsx", checkin_export, name="checkin_export"),
    path("checkins/<str:code>/links/", link_list, name="link_list"),
    path("checkins/<str:code>/links/issue/", link_issue_all, name="link_issue_all"),
    path("people/<int:person_id>/", person_health, name="person"),
    path("people/<int:person_id>/link/", link_change, name="link_change"),
    path("c/<str:token>/", self_checkin, name="self_checkin"),
]
