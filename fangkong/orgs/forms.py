from django import forms
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from .choices import Gender, Role, SiteKind, UnitKind


class UnitForm(forms.Form):
    code = forms.CharField(label=_("code"), max_length=64)
    name = forms.CharField(label=_("name"), max_length=100)
    kind = forms.ChoiceField(label=_("kind"), choices=UnitKind.choices)
    site_kind = forms.ChoiceField(
        label=_("site kind"), choices=[("", "—"), *SiteKind.choices], required=False
    )
    is_key_unit = forms.BooleanField(label=_("key unit (重点单位)"), required=False)
    hosts_epidemic_office = forms.BooleanField(label=_("hosts the epidemic office"), required=False)
    timezone = forms.CharField(label=_("time zone"), initial="Asia/Shanghai")
    active_from = forms.DateField(
        label=_("active from"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    active_to = forms.DateField(
        label=_("active to"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    dhis2_code = forms.CharField(
        label=_("DHIS2 org unit code"),
        max_length=50,
        required=False,
        help_text=_("The unit's code in the health authority's DHIS2; blank: not exported."),
    )


class UnitEditForm(UnitForm):
    liaison_no = forms.CharField(
        label=_("liaison's employee number"),
        max_length=32,
        required=False,
        help_text=_("A person of this unit or of its parent unit; leave blank for none."),
    )


class RoleForm(forms.Form):
    username = forms.CharField(label=_("Username"), max_length=150)
    role = forms.ChoiceField(label=_("role"), choices=Role.choices)
    note = forms.CharField(label=_("note"), max_length=100, required=False)


class PersonForm(forms.Form):
    employee_no = forms.CharField(label=_("employee number"), max_length=32)
    name = forms.CharField(label=pgettext_lazy("person", "name"), max_length=50)
    gender = forms.ChoiceField(
        label=_("gender"), choices=[("", "—"), *Gender.choices], required=False
    )
    phone = forms.CharField(label=_("phone"), max_length=20, required=False)
    id_number = forms.CharField(
        label=_("ID number"),
        max_length=18,
        required=False,
        help_text=_("Stored only as a keyed hash and a masked form; leave blank to keep it."),
    )
    is_party_member = forms.BooleanField(label=_("party member"), required=False)
    position = forms.CharField(label=_("position"), max_length=50, required=False)
    family = forms.CharField(
        label=_("family members"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("One per line: name/relation/phone, e.g. 张三/配偶/13800000000"),
    )


class ImportForm(forms.Form):
    # Its size and contents are checked by the one reader of uploads, core.xlsx.read_rows.
    file = forms.FileField(label=_("Excel file (.xlsx)"))


class UnitPicker(forms.TextInput):
    """A unit chosen with the tree picker (orgs/_unit_picker.html): the form still gets
    the unit's code, typed by hand when JavaScript is off. `perm`: search only the units
    where the user holds it."""

    picker = "unit"
    picker_template = "orgs/_picker_field.html"

    def __init__(self, *, perm="", attrs=None):
        super().__init__(attrs)
        self.perm = str(perm or "")


class PersonPicker(forms.TextInput):
    """A person chosen with the people picker (orgs/_person_picker.html): the form gets the
    employee number (numbers, comma-separated, if `multiple`). `unit`: search that unit's
    people (`whole_group`: its group's)."""

    picker = "person"
    picker_template = "orgs/_picker_field.html"

    def __init__(self, *, unit=None, unit_from="", whole_group=False, multiple=False, attrs=None):
        super().__init__(attrs)
        self.unit, self.unit_from = unit, unit_from
        self.whole_group, self.multiple = whole_group, multiple
