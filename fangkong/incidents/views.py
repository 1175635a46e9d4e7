"""Pages of incidents: the board of a subtree, filing, and one incident's timeline with its
actions (phone report, written report, acknowledgement, instruction, closing)."""

from datetime import datetime

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme, urlencode
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from fangkong.core.audit import log_access
from fangkong.core.errors import ServiceError
from fangkong.core.forms import service_errors
from fangkong.core.scope import scope_of
from fangkong.notify.queries import list_chase_receipts
from fangkong.notify.recipients import on_duty_contacts
from fangkong.orgs.models import Unit
from fangkong.orgs.queries import get_breadcrumbs, get_unit_for, list_unit_choices, search_units

from . import chases, queries, services
from .choices import CLOCKS, IncidentKind, IncidentState, Outcome
from .models import Attachment

PAGE_SIZE = 50


def _when(value: str):
    """A datetime-local field (the user's local time) → aware datetime, or None."""
    try:
        naive = datetime.fromisoformat(value.strip())
    except (AttributeError, ValueError):
        return None
    return timezone.make_aware(naive) if timezone.is_naive(naive) else naive


@login_required
@require_GET
def board(request):
    """Open, overdue and all incidents of a subtree, by kind."""
    code = (request.GET.get("unit") or "").strip()
    unit = get_unit_for(request.user, code) if code else None
    state = request.GET.get("state") or "open"
    kind = request.GET.get("kind") or ""
    incidents = queries.list_incidents(request.user, unit=unit, state=state, kind=kind)
    page = Paginator(incidents, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "incidents/board.html",
        {
            "page": page,
            "unit": unit,
            "state": state,
            "kind": kind,
            "kinds": IncidentKind.choices,
            "counts": queries.count_board(request.user, unit=unit),
            "unit_choices": list_unit_choices(request.user),
            "can_file": not scope_of(request.user, services.PERM).empty,
            "query": urlencode(
                {k: v for k, v in (("unit", code), ("state", state), ("kind", kind)) if v}
            ),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def incident_new(request):
    errors, data = {}, request.POST if request.method == "POST" else {}
    if request.method == "POST":
        code = (request.POST.get("unit") or "").strip()
        unit = get_unit_for(request.user, code, services.PERM) if code else None
        numbers = (request.POST.get("people") or "").replace("，", ",").split(",")
        phone = None
        if request.POST.get("called_at"):
            phone = {
                "called_at": _when(request.POST["called_at"]),
                "caller": request.POST.get("caller", ""),
                "callee": request.POST.get("callee", ""),
            }
        if unit is None:
            errors = {"unit": [_("Choose the unit where it happened.")]}
        else:
            try:
                people = queries.find_people(request.user, unit, numbers)
                incident = services.file_incident(
                    actor=request.user,
                    unit=unit,
                    kind=request.POST.get("kind", ""),
                    title=request.POST.get("title", ""),
                    discovered_at=_when(request.POST.get("discovered_at", "")),
                    discovered_by=request.POST.get("discovered_by", ""),
                    place=request.POST.get("place", ""),
                    site=request.POST.get("site", ""),
                    people=people,
                    actions_taken=request.POST.get("actions_taken", ""),
                    description=request.POST.get("description", ""),
                    phone=phone,
                )
            except ServiceError as exc:
                errors = service_errors(request, exc)
            else:
                messages.success(
                    request,
                    _(
                        "The incident has been filed and the levels above "
                        "told. Now make the written report."
                    ),
                )
                return redirect("incidents:detail", incident.pk)
    # The unit preselected: the user's own when they may file for it, else the top of
    # their scope for filing.
    default_unit = next(iter(search_units(request.user, perm=services.PERM, limit=1)), None)
    now = timezone.localtime()
    return render(
        request,
        "incidents/new.html",
        {
            "kinds": IncidentKind.choices,
            "default_unit": default_unit,
            "perm": services.PERM,
            "errors": errors,
            "data": data,
            "now": now.strftime("%Y-%m-%dT%H:%M"),
            # The phone report's clock per kind, and the offset the form's times are in.
            "countdown": {
                "minutes": {kind: CLOCKS[kind][0] for kind in IncidentKind.values},
                "offset_minutes": int(now.utcoffset().total_seconds() // 60),
            },
            **_call_first(
                request, (data.get("unit") or "") or (default_unit.code if default_unit else "")
            ),
        },
        status=400 if errors else 200,
    )


def _call_first(request, code: str) -> dict:
    """Whom the reporting unit phones first: the on-duty people of the level above."""
    unit = get_unit_for(request.user, code, services.PERM) if code else None
    above = unit.parent if unit is not None else None
    return {
        "reporting_unit": unit,
        "above": above,
        "contacts": on_duty_contacts(above) if above is not None else None,
    }


@login_required
def call_first(request):
    """htmx partial of the incident form: whom to call, for the unit chosen."""
    code = (request.GET.get("unit") or "").strip()
    return render(request, "incidents/_call_first.html", _call_first(request, code))


@login_required
@require_GET
def incident_detail(request, incident_id: int):
    incident = queries.get_incident_for(request.user, incident_id)
    now = timezone.now()
    timeline = queries.get_timeline(incident)
    for clock in timeline["clocks"]:
        clock.late = clock.is_late(now)
    mine = [r for r in queries.receipts_for(request.user, incident) if r.acknowledged_at is None]
    is_open = incident.state == IncidentState.OPEN
    waiting = [r for r in timeline["receipts"] if r.acknowledged_at is None] if is_open else []
    chase_what = chases.what(incident)
    receipts = list_chase_receipts(chase_what, [r.unit for r in waiting])
    for receipt in waiting:
        receipt.chase_receipt = receipts.get(receipt.unit_id)
    return render(
        request,
        "incidents/detail.html",
        {
            "incident": incident,
            **timeline,
            "now": now,
            "my_receipts": mine if is_open else [],
            "can_report": is_open
            and scope_of(request.user, services.PERM).covers(incident.unit_path),
            "can_instruct": is_open and bool(queries.receipts_for(request.user, incident)),
            "can_close": is_open and services.may_close(request.user, incident),
            "sign_note": queries.sign_note(request.user, incident, now),
            "chase_what": chase_what,
            "chase_units": [r.unit for r in waiting],
            "outcomes": Outcome.choices,
            "now_local": timezone.localtime(now).strftime("%Y-%m-%dT%H:%M"),
            "breadcrumbs": get_breadcrumbs(request.user, incident.unit),
            "breadcrumb_tail": incident.title,
        },
    )


def _act(request, incident_id, fn, done):
    incident = queries.get_incident_for(request.user, incident_id)
    try:
        fn(incident)
    except ServiceError as exc:
        for msgs in (exc.fields or {"": [exc.message]}).values():
            for m in msgs:
                messages.error(request, m)
    else:
        messages.success(request, done)
    back = request.POST.get("next", "")
    if back and url_has_allowed_host_and_scheme(back, {request.get_host()}, require_https=False):
        return redirect(back)  # the to-do list it was done from
    return redirect("incidents:detail", incident.pk)


@login_required
@require_POST
def phone_report(request, incident_id: int):
    return _act(
        request,
        incident_id,
        lambda i: services.record_phone_report(
            actor=request.user,
            incident=i,
            called_at=_when(request.POST.get("called_at", "")),
            caller=request.POST.get("caller", ""),
            callee=request.POST.get("callee", ""),
            note=request.POST.get("note", ""),
        ),
        _("The phone report has been recorded."),
    )


@login_required
@require_POST
def written_report(request, incident_id: int):
    return _act(
        request,
        incident_id,
        lambda i: services.file_written_report(
            actor=request.user,
            incident=i,
            text=request.POST.get("text", ""),
            files=request.FILES.getlist("files"),
        ),
        _("The written report has been filed and sent up."),
    )


@login_required
@require_POST
def acknowledge(request, incident_id: int):
    unit_id = request.POST.get("unit")
    unit = Unit.objects.filter(pk=unit_id).first() if unit_id and unit_id.isdigit() else None
    return _act(
        request,
        incident_id,
        lambda i: services.acknowledge(
            actor=request.user,
            incident=i,
            unit=unit,
            note=request.POST.get("note", ""),
        ),
        _("Acknowledged."),
    )


@login_required
@require_POST
def instruct(request, incident_id: int):
    return _act(
        request,
        incident_id,
        lambda i: services.pass_instruction(
            actor=request.user,
            incident=i,
            text=request.POST.get("text", ""),
        ),
        _("The instruction has been passed down."),
    )


@login_required
@require_POST
def close(request, incident_id: int):
    return _act(
        request,
        incident_id,
        lambda i: services.close_incident(
            actor=request.user,
            incident=i,
            outcome=request.POST.get("outcome", ""),
            reason=request.POST.get("reason", ""),
        ),
        _("The incident is closed and every level told."),
    )


@login_required
@require_GET
def attachment(request, incident_id: int, attachment_id: int):
    incident = queries.get_incident_for(request.user, incident_id)
    item = get_object_or_404(Attachment, pk=attachment_id, report__incident=incident)
    log_access(
        request, "export", "incident", incident.pk, incident.unit_path, {"attachment": item.pk}
    )
    try:
        return FileResponse(item.file.open("rb"), as_attachment=True, filename=item.name)
    except FileNotFoundError:
        raise Http404 from None
