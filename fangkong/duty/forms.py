"""Forms of the duty pages; the rules live in services. Date-times are entered in the
duty room's local time: views validate them under `timezone.override(room tz)`."""

import re

from django import forms
from django.utils.translation import gettext_lazy as _

from fangkong.orgs.forms import PersonPicker, UnitPicker

from .choices import DutyRole, LogKind
from .permissions import DutyPerm

DATETIME_FORMATS = ["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M", "%Y-%m-%dT%H:%M:%S"]


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, attrs=None):
        super().__init__(attrs, format="%Y-%m-%d")


class TimeInput(forms.TimeInput):
    input_type = "time"

    def __init__(self, attrs=None):
        super().__init__(attrs, format="%H:%M")


class DateTimeInput(forms.DateTimeInput):
    input_type = "datetime-local"

    def __init__(self, attrs=None):
        super().__init__(attrs, format="%Y-%m-%dT%H:%M")


def local_datetime(label, required=True, **extra):
    return forms.DateTimeField(
        label=label,
        required=required,
        input_formats=DATETIME_FORMATS,
        widget=DateTimeInput(),
        **extra,
    )


class RoomForm(forms.Form):
    name = forms.CharField(label=_("name"), max_length=100)
    phone = forms.CharField(label=_("duty phone"), max_length=30, required=False)
    active = forms.BooleanField(label=_("active"), required=False, initial=True)


class NewRoomForm(RoomForm):
    unit = forms.CharField(
        label=_("unit"), max_length=64, widget=UnitPicker(perm=DutyPerm.MANAGE_DUTY)
    )

    field_order = ["unit", "name", "phone", "active"]


class TemplateForm(forms.Form):
    role = forms.ChoiceField(label=_("duty role"), choices=DutyRole.choices)
    name = forms.CharField(label=_("name"), max_length=100)
    shift_hours = forms.IntegerField(
        label=_("shift length (hours)"), min_value=1, max_value=72, initial=24
    )
    start_time = forms.TimeField(
        label=_("shift starts at (local time)"), widget=TimeInput(), initial="08:00"
    )
    anchor_on = forms.DateField(
        label=_("rotation starts on"),
        widget=DateInput(),
        help_text=_(
            "The first person of the list takes the shift starting on this day; the "
            "rotation runs on from there, before and after."
        ),
    )
    people = forms.CharField(
        label=_("people in rotation (employee numbers, in order)"),
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Separated by spaces, commas or new lines; a person may appear twice."),
    )

    def employee_numbers(self) -> list[str]:
        return [n for n in re.split(r"[\s,，、;；]+", self.cleaned_data.get("people") or "") if n]


class ApplyForm(forms.Form):
    month = forms.RegexField(label=_("month"), regex=r"^\d{4}-\d{2}$", max_length=7)


class PersonOfRoomMixin:
    """The person field picks among the people of the room's group (`unit`: the room's
    unit), who are the ones `queries.find_person` accepts."""

    def __init__(self, *args, unit=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["employee_no"].widget = PersonPicker(unit=unit, whole_group=True)


class ShiftForm(PersonOfRoomMixin, forms.Form):
    role = forms.ChoiceField(label=_("duty role"), choices=DutyRole.choices)
    employee_no = forms.CharField(label=_("person"), max_length=32)
    starts_at = local_datetime(_("starts at"))
    ends_at = local_datetime(_("ends at"))
    note = forms.CharField(label=_("note"), max_length=200, required=False)


class SwapForm(PersonOfRoomMixin, forms.Form):
    employee_no = forms.CharField(label=_("hand the shift to"), max_length=32)
    reason = forms.CharField(label=_("reason"), max_length=200, required=False)


class DecideForm(forms.Form):
    decision = forms.ChoiceField(choices=[("approve", _("Approve")), ("reject", _("Reject"))])
    note = forms.CharField(label=_("note"), max_length=200, required=False)


class LogEntryForm(forms.Form):
    kind = forms.ChoiceField(label=_("kind"), choices=LogKind.choices)
    text = forms.CharField(
        label=_("what happened"), max_length=2000, widget=forms.Textarea(attrs={"rows": 3})
    )
    at = local_datetime(_("time"), required=False, help_text=_("Now if left empty."))


class HandoverForm(forms.Form):
    note = forms.CharField(
        label=_("handover note"), max_length=2000, widget=forms.Textarea(attrs={"rows": 3})
    )
