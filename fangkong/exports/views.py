"""Pages of the DHIS2 export: the forms one may map, and one form's mapping (its data set
code, and per numeric field a data element code and an optional category option combo)."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from fangkong.core.errors import ServiceError
from fangkong.core.scope import scope_of
from fangkong.reporting.permissions import ReportingPerm

from . import queries, services


def _require_setup(user):
    if scope_of(user, ReportingPerm.MANAGE_FORMS).empty:
        raise Http404


@login_required
@require_GET
def mapping_list(request):
    _require_setup(request.user)
    forms = queries.list_mappable_forms(request.user)
    for form in forms:
        mapping = getattr(form, "dhis2", None)
        form.mapping = mapping
        form.numeric_count = len(services.mappable_fields(form))
        form.mapped_count = mapping.elements.count() if mapping else 0
    with_code, without_code = queries.count_units_without_code(request.user)
    return render(
        request,
        "exports/mapping_list.html",
        {"forms": forms, "units_with_code": with_code, "units_without_code": without_code},
    )


@login_required
@require_http_methods(["GET", "POST"])
def mapping_edit(request, form_code: str):
    _require_setup(request.user)
    form = queries.get_form_to_map(request.user, form_code)
    mapping = queries.get_mapping(form)
    current = {e.field_code: e for e in mapping.elements.all()} if mapping else {}
    fields = services.mappable_fields(form)
    data_set = mapping.data_set if mapping else ""
    entered = {
        f.code: (
            current[f.code].data_element if f.code in current else "",
            current[f.code].category_option_combo if f.code in current else "",
        )
        for f in fields
    }
    errors: dict = {}
    if request.method == "POST":
        data_set = request.POST.get("data_set", "")
        entered = {
            f.code: (request.POST.get(f"de_{f.code}", ""), request.POST.get(f"coc_{f.code}", ""))
            for f in fields
        }
        try:
            services.save_dhis2_mapping(
                actor=request.user, form=form, data_set=data_set, elements=entered
            )
        except ServiceError as exc:
            errors = exc.fields or {"": [exc.message]}
            messages.error(request, _("The mapping was not saved: correct the marked entries."))
        else:
            messages.success(request, _("The DHIS2 mapping has been saved."))
            return redirect("exports:mapping_edit", form_code=form.code)
    rows = [
        {
            "field": f,
            "de": entered[f.code][0],
            "coc": entered[f.code][1],
            "de_errors": errors.get(f"de_{f.code}", []),
            "coc_errors": errors.get(f"coc_{f.code}", []),
        }
        for f in fields
    ]
    others = [f for f in form.current_fields() if not f.is_numeric]
    return render(
        request,
        "exports/mapping_edit.html",
        {
            "form": form,
            "mapping": mapping,
            "data_set": data_set,
            "data_set_errors": errors.get("data_set", []),
            "other_errors": errors.get("", []),
            "rows": rows,
            "others": others,
        },
    )
