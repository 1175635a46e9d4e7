"""Pages of the daily bulletin: the archive of a unit (with "generate today's"), one
bulletin (its figures linked to their sources, the office's sections, approve, publish,
the .docx and the PDF), and the external-information page (统一口径)."""

from datetime import date

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from fangkong.core.errors import ServiceError
from fangkong.core.scope import scope_of
from fangkong.orgs.queries import get_unit_for, list_root_units

from . import document, queries, services
from .choices import FREE_SECTIONS
from .permissions import BulletinPerm

PAGE_SIZE = 31


def _day(value: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError as exc:
        raise Http404 from exc


def _unit(request):
    code = (request.GET.get("unit") or request.POST.get("unit") or "").strip()
    if code:
        return get_unit_for(request.user, code)
    return list_root_units(request.user).order_by("path").first()


def _fail(request, exc: ServiceError):
    for errs in (exc.fields or {"": [exc.message]}).values():
        for e in errs:
            messages.error(request, e)


@login_required
@require_GET
def archive(request):
    unit = _unit(request)
    context = {"unit": unit}
    if unit is not None:
        rows = queries.list_bulletins(request.user, unit)
        context.update(
            page=Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page")),
            can_edit=queries.may_edit(request.user, unit),
            today=unit.local_date(),
        )
    return render(request, "bulletins/archive.html", context)


@login_required
@require_POST
def generate(request, code: str):
    unit = get_unit_for(request.user, code)
    if not queries.may_edit(request.user, unit):
        raise Http404
    day = _day(request.POST.get("day") or unit.local_date().isoformat())
    try:
        bulletin = services.generate_bulletin(actor=request.user, unit=unit, day=day)
    except ServiceError as exc:
        _fail(request, exc)
        return redirect(f"{_archive_url(unit)}")
    messages.success(request, _("The bulletin's figures are taken as of now."))
    return redirect("bulletins:detail", unit.code, bulletin.day.isoformat())


def _archive_url(unit) -> str:
    from django.urls import reverse

    return f"{reverse('bulletins:archive')}?unit={unit.code}"


def _get(request, code, day):
    unit = get_unit_for(request.user, code)
    return queries.get_bulletin_for(request.user, unit, _day(day))


@login_required
@require_GET
def detail(request, code: str, day: str):
    bulletin = _get(request, code, day)
    unit = bulletin.unit
    return render(
        request,
        "bulletins/detail.html",
        {
            "b": bulletin,
            "unit": unit,
            "number": services.number_of(bulletin),
            "as_of": document.as_of_line(bulletin),
            "free": [(c, label, getattr(bulletin, c)) for c, label in FREE_SECTIONS],
            "can_edit": queries.may_edit(request.user, unit),
            # Not the one who generated or edited it (services.approve_bulletin).
            "can_approve": queries.may_approve(request.user, unit)
            and request.user.pk not in (bulletin.generated_by_id, bulletin.edited_by_id),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def edit(request, code: str, day: str):
    bulletin = _get(request, code, day)
    if not queries.may_edit(request.user, bulletin.unit):
        raise Http404
    errors = {}
    if request.method == "POST":
        texts = {c: request.POST.get(c, "") for c, _label in FREE_SECTIONS}
        try:
            services.edit_bulletin(actor=request.user, bulletin=bulletin, **texts)
            messages.success(request, _("The bulletin is saved."))
            return redirect("bulletins:detail", code, day)
        except ServiceError as exc:
            errors = exc.fields or {"": [exc.message]}
            for c, v in texts.items():
                setattr(bulletin, c, v)
    return render(
        request,
        "bulletins/edit.html",
        {
            "b": bulletin,
            "errors": errors,
            "free": [(c, label, getattr(bulletin, c)) for c, label in FREE_SECTIONS],
        },
        status=400 if errors else 200,
    )


def _act(request, code, day, fn, done):
    bulletin = _get(request, code, day)
    try:
        fn(actor=request.user, bulletin=bulletin)
        messages.success(request, done)
    except ServiceError as exc:
        _fail(request, exc)
    return redirect("bulletins:detail", code, day)


@login_required
@require_POST
def approve(request, code: str, day: str):
    return _act(request, code, day, services.approve_bulletin, _("The bulletin is approved."))


@login_required
@require_POST
def publish(request, code: str, day: str):
    return _act(
        request,
        code,
        day,
        services.publish_bulletin,
        _("The bulletin is published and sent up and down."),
    )


def file_response(bulletin, kind: str) -> HttpResponse:
    name = f"bulletin-{bulletin.unit.code}-{bulletin.day.isoformat()}.{kind}"
    if kind == "docx":
        data = document.to_docx(bulletin)
        ctype = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
    else:
        data = document.to_pdf(bulletin)
        ctype = "application/pdf"
    response = HttpResponse(data, content_type=ctype)
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


@login_required
@require_GET
def download(request, code: str, day: str, kind: str):
    return file_response(_get(request, code, day), kind)


@login_required
@require_http_methods(["GET", "POST"])
def statements(request):
    unit = _unit(request)
    if unit is None:
        raise Http404
    can_write = scope_of(request.user, BulletinPerm.PUBLISH_STATEMENTS).covers(unit.path)
    errors, data = {}, {}
    if request.method == "POST":
        if not can_write:
            raise Http404
        data = request.POST
        try:
            if request.POST.get("publish"):
                st = queries.get_statement_for(request.user, request.POST["publish"])
                services.publish_statement(actor=request.user, statement=st)
                messages.success(request, _("The statement is published."))
            else:
                services.write_statement(
                    actor=request.user,
                    unit=unit,
                    title=request.POST.get("title", ""),
                    body=request.POST.get("body", ""),
                )
                messages.success(request, _("The statement is saved as a draft."))
            return redirect(f"{request.path}?unit={unit.code}")
        except ServiceError as exc:
            errors = exc.fields or {"": [exc.message]}
    return render(
        request,
        "bulletins/statements.html",
        {
            "unit": unit,
            "rows": queries.list_statements(request.user, unit)[:100],
            "can_write": can_write,
            "errors": errors,
            "data": data,
        },
        status=400 if errors else 200,
    )
