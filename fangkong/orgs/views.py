from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods
from django.views.decorators.vary import vary_on_headers

from fangkong.core.audit import log_access
from fangkong.core.errors import ServiceError
from fangkong.core.permissions import CorePerm, UnknownPermission, permission
from fangkong.core.scope import scope_of
from fangkong.core.xlsx import xlsx_response

from . import excel, queries, services
from .forms import ImportForm, PersonForm, RoleForm, UnitEditForm, UnitForm
from .panels import render_panels
from .permissions import OrgPerm

PAGE_SIZE = 50


def _form_errors(form, exc: ServiceError):
    for field, messages_ in exc.fields.items():
        for message in messages_:
            form.add_error(field if field in form.fields else None, message)
    if not exc.fields:
        form.add_error(None, exc.message)


@login_required
def unit_tree(request):
    q = request.GET.get("q", "").strip()
    context = {"q": q}
    if q:
        page = Paginator(queries.list_units(request.user, q=q), PAGE_SIZE).get_page(
            request.GET.get("page")
        )
        context["page"] = page
    else:
        context["roots"] = queries.list_root_units(request.user).order_by("path")
    context["can_add_root"] = scope_of(request.user, OrgPerm.MANAGE_UNITS).everything
    return render(request, "orgs/unit_tree.html", context)


@login_required
def unit_children(request, code: str):
    """htmx partial: the children of one node, for expanding the tree in place."""
    unit = queries.get_unit_for(request.user, code)
    return render(request, "orgs/_unit_children.html", {"children": queries.list_children(unit)})


def _pick_perm(request):
    """The permission a picker asks units for (`?perm=file_incident`): a name no app
    registered is a 404, like a unit out of scope."""
    name = request.GET.get("perm", "")
    try:
        return permission(name) if name else CorePerm.VIEW
    except UnknownPermission as exc:
        raise Http404 from exc


@login_required
def unit_pick(request):
    """htmx partial of the unit picker: the units matching what was typed."""
    perm = _pick_perm(request)
    q = request.GET.get("q", "")[:50]
    return render(
        request,
        "orgs/_unit_options.html",
        {"units": queries.search_units(request.user, q, perm=perm), "q": q.strip(), "perm": perm},
    )


@login_required
def unit_pick_children(request, code: str):
    """htmx partial of the unit picker: one unit's children, to browse the tree."""
    perm = _pick_perm(request)
    unit = queries.get_unit_for(request.user, code, perm)
    return render(
        request,
        "orgs/_unit_options.html",
        {"units": queries.list_pick_children(unit), "nested": True, "perm": perm},
    )


@login_required
def person_pick(request):
    """htmx partial of the people picker: people by name, employee number or phone tail,
    of a unit (`?unit=CODE`; with `group=1` its whole group) or the whole scope."""
    code = request.GET.get("unit", "").strip()
    unit = queries.get_unit_for(request.user, code) if code else None
    q = request.GET.get("q", "")[:50]
    people = queries.search_people(
        request.user, q, unit=unit, whole_group=request.GET.get("group") == "1"
    )
    return render(request, "orgs/_person_options.html", {"people": people, "q": q.strip()})


@login_required
def unit_detail(request, code: str):
    unit = queries.get_unit_for(request.user, code)
    children, head_count, direct_count = queries.get_unit_summary(unit)
    return render(
        request,
        "orgs/unit_detail.html",
        {
            "unit": unit,
            "breadcrumbs": queries.get_breadcrumbs(request.user, unit),
            "children": children,
            "head_count": head_count,
            "direct_count": direct_count,
            "can_manage": scope_of(request.user, OrgPerm.MANAGE_UNITS).covers(unit.path),
            "can_manage_people": scope_of(request.user, OrgPerm.MANAGE_PEOPLE).covers(unit.path),
            "can_manage_roles": scope_of(request.user, OrgPerm.MANAGE_ROLES).covers(unit.path),
            "roles": unit.role_assignments.select_related("user").order_by(
                "role", "user__username"
            ),
            "role_form": RoleForm(),
            "panels": render_panels("unit", request, unit),
        },
    )


@login_required
@require_http_methods(["POST"])
def unit_role_add(request, code: str):
    """Give a user a role on this unit (e.g. leading group, 包抓包联 inspector)."""
    unit = queries.get_unit_for(request.user, code)
    if not scope_of(request.user, OrgPerm.MANAGE_ROLES).covers(unit.path):
        raise Http404
    form = RoleForm(request.POST)
    if form.is_valid():
        user = queries.find_user(form.cleaned_data["username"])
        if user is None:
            messages.error(request, _("There is no user with this username."))
        else:
            try:
                services.assign_role(
                    actor=request.user,
                    user=user,
                    unit=unit,
                    role=form.cleaned_data["role"],
                    note=form.cleaned_data["note"],
                )
            except ServiceError as exc:
                messages.error(request, exc.message)
            else:
                messages.success(request, _("The role has been assigned."))
    else:
        messages.error(request, _("Give a username and a role."))
    return redirect("orgs:unit_detail", code=unit.code)


@login_required
@require_http_methods(["POST"])
def unit_role_remove(request, code: str, assignment_id: int):
    unit = queries.get_unit_for(request.user, code)
    if not scope_of(request.user, OrgPerm.MANAGE_ROLES).covers(unit.path):
        raise Http404
    assignment = (
        unit.role_assignments.filter(pk=assignment_id).select_related("user", "unit").first()
    )
    if assignment is None:
        raise Http404
    services.revoke_role(actor=request.user, assignment=assignment)
    messages.success(request, _("The role has been removed."))
    return redirect("orgs:unit_detail", code=unit.code)


@login_required
@require_http_methods(["GET", "POST"])
def unit_edit(request, code: str):
    unit = queries.get_unit_for(request.user, code)
    if not scope_of(request.user, OrgPerm.MANAGE_UNITS).covers(unit.path):
        raise Http404
    initial = {f: getattr(unit, f) for f in UnitForm.base_fields}
    initial["liaison_no"] = unit.liaison.employee_no if unit.liaison else ""
    form = UnitEditForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        liaison_no = data.pop("liaison_no").strip()
        try:
            data["liaison"] = queries.find_liaison(unit, liaison_no) if liaison_no else None
            services.update_unit(actor=request.user, unit=unit, **data)
        except ServiceError as exc:
            _form_errors(form, exc)
        else:
            messages.success(request, _("The unit has been saved."))
            return redirect("orgs:unit_detail", code=unit.code)
    return render(
        request,
        "orgs/unit_form.html",
        {"form": form, "unit": unit, "breadcrumbs": queries.get_breadcrumbs(request.user, unit)},
    )


@login_required
@require_http_methods(["GET", "POST"])
def unit_add_root(request):
    """A top-level unit (a province's SASAC, or a group running Fangkong on its own)."""
    if not scope_of(request.user, OrgPerm.MANAGE_UNITS).everything:
        raise Http404
    return _unit_create(request, None)


@login_required
@require_http_methods(["GET", "POST"])
def unit_add_child(request, code: str):
    parent = queries.get_unit_for(request.user, code)
    if not scope_of(request.user, OrgPerm.MANAGE_UNITS).covers(parent.path):
        raise Http404
    return _unit_create(request, parent)


def _unit_create(request, parent):
    form = UnitForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            unit = services.create_unit(actor=request.user, parent=parent, **form.cleaned_data)
        except ServiceError as exc:
            _form_errors(form, exc)
        else:
            messages.success(request, _("The unit has been created."))
            return redirect("orgs:unit_detail", code=unit.code)
    return render(
        request,
        "orgs/unit_form.html",
        {
            "form": form,
            "parent": parent,
            "breadcrumbs": queries.get_breadcrumbs(request.user, parent) if parent else [],
        },
    )


def _people_filters(request):
    unit_code = request.GET.get("unit", "").strip()
    unit = queries.get_unit_for(request.user, unit_code) if unit_code else None
    party = {"1": True, "0": False}.get(request.GET.get("party", ""))
    return {
        "unit": unit,
        "party": party,
        "position": request.GET.get("position", "").strip(),
        "q": request.GET.get("q", "").strip(),
    }


@login_required
@vary_on_headers("HX-Request")
def people_list(request):
    filters = _people_filters(request)
    people = queries.list_people(request.user, **filters)
    page = Paginator(people, PAGE_SIZE).get_page(request.GET.get("page"))
    unit = filters["unit"]
    query = request.GET.copy()
    query.pop("page", None)
    # The partial only for htmx swaps; a history restore needs the whole page again.
    partial = request.htmx and not request.htmx.history_restore_request
    template = "orgs/_people_table.html" if partial else "orgs/people_list.html"
    return render(
        request,
        template,
        {
            "page": page,
            "filters": filters,
            "query": query.urlencode(),
            "breadcrumbs": queries.get_breadcrumbs(request.user, unit) if unit else [],
        },
    )


@login_required
def person_detail(request, person_id: int):
    person = queries.get_person_for(request.user, person_id)
    return render(
        request,
        "orgs/person_detail.html",
        {
            "person": person,
            "family": person.family_members.all(),
            "breadcrumbs": queries.get_breadcrumbs(request.user, person.unit),
            "can_manage": scope_of(request.user, OrgPerm.MANAGE_PEOPLE).covers(person.unit_path),
            "panels": render_panels("person", request, person),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def person_edit(request, person_id: int):
    person = queries.get_person_for(request.user, person_id)
    if not scope_of(request.user, OrgPerm.MANAGE_PEOPLE).covers(person.unit_path):
        raise Http404
    fields = [f for f in PersonForm.base_fields if f not in ("id_number", "family")]
    initial = {f: getattr(person, f) for f in fields}
    initial["family"] = services.format_family_text(person)
    form = PersonForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        data["family"] = services.parse_family_text(data["family"])
        if not data["id_number"]:
            data.pop("id_number")
        try:
            services.update_person(actor=request.user, person=person, **data)
        except ServiceError as exc:
            _form_errors(form, exc)
        else:
            messages.success(request, _("The person has been saved."))
            return redirect("orgs:person_detail", person_id=person.pk)
    return render(request, "orgs/person_form.html", {"form": form, "person": person})


@login_required
@require_http_methods(["GET", "POST"])
def person_add(request, code: str):
    unit = queries.get_unit_for(request.user, code)
    if not scope_of(request.user, OrgPerm.MANAGE_PEOPLE).covers(unit.path):
        raise Http404
    form = PersonForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        data["family"] = services.parse_family_text(data["family"])
        try:
            person = services.create_person(actor=request.user, unit=unit, **data)
        except ServiceError as exc:
            _form_errors(form, exc)
        else:
            messages.success(request, _("The person has been added."))
            return redirect("orgs:person_detail", person_id=person.pk)
    return render(request, "orgs/person_form.html", {"form": form, "unit": unit})


# --- Excel in and out ------------------------------------------------------------------


@login_required
def transfer(request):
    """The import/export page: templates, uploads and downloads for units and people."""
    return render(
        request,
        "orgs/transfer.html",
        {
            "roots": queries.list_root_units(request.user).order_by("path"),
            "form": ImportForm(),
            "can_units": not scope_of(request.user, OrgPerm.MANAGE_UNITS).empty,
            "can_people": not scope_of(request.user, OrgPerm.MANAGE_PEOPLE).empty,
        },
    )


@login_required
def template_download(request, kind: str):
    if kind not in excel.SHEETS:
        raise Http404
    return xlsx_response(excel.template_workbook(kind), f"fangkong-{kind}-template.xlsx")


@login_required
def export_download(request, kind: str):
    if kind not in excel.SHEETS:
        raise Http404
    code = request.GET.get("unit", "")
    unit = queries.get_unit_for(request.user, code) if code else None
    data = excel.export_workbook(kind, request.user, unit)
    log_access(
        request, "export", kind, unit_path=unit.path if unit else "", detail={"format": "excel"}
    )
    return xlsx_response(data, f"fangkong-{kind}-{code or 'all'}.xlsx")


@login_required
@require_http_methods(["POST"])
def import_upload(request, kind: str):
    if kind not in excel.SHEETS:
        raise Http404
    form = ImportForm(request.POST, request.FILES)
    result = None
    if form.is_valid():
        result = excel.import_workbook(kind, request.user, form.cleaned_data["file"])
        if result.ok:
            messages.success(request, _("Imported %(n)s rows.") % {"n": result.imported})
    return render(
        request,
        "orgs/_import_result.html" if request.htmx else "orgs/import_result.html",
        {"form": form, "result": result, "kind": kind},
    )
