"""Forms of the observation pages; the rules themselves live in services.observation."""

from django import forms
from django.utils.translation import gettext_lazy as _

from .choices import ObservationPlace, ObservationReason, Symptom


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, attrs=None):
        super().__init__(attrs, format="%Y-%m-%d")


class PersonLookupForm(forms.Form):
    employee_no = forms.CharField(label=_("employee number"), max_length=32)


class ObservationStartForm(forms.Form):
    reason = forms.ChoiceField(label=_("reason"), choices=ObservationReason.choices)
    place = forms.ChoiceField(label=_("place"), choices=ObservationPlace.choices)
    place_detail = forms.CharField(label=_("address or site"), max_length=200, required=False)
    start_on = forms.DateField(
        label=_("starts on"), required=False, widget=DateInput(),
        help_text=_("Today if left empty; not in the future."),
    )  # fmt: skip
    planned_end_on = forms.DateField(
        label=_("planned end"), required=False, widget=DateInput(),
        help_text=_("If left empty: the standard observation period after the start."),
    )  # fmt: skip
    note = forms.CharField(label=_("note"), max_length=500, required=False,
                           widget=forms.Textarea(attrs={"rows": 2}))  # fmt: skip


class FollowUpForm(forms.Form):
    day = forms.DateField(label=_("day"), required=False, widget=DateInput())
    # Parsed by validation.parse_temperature, which explains °F and typing mistakes.
    temperature = forms.CharField(label=_("temperature (°C)"), max_length=10, required=False)
    symptoms = forms.MultipleChoiceField(
        label=_("symptoms"), choices=Symptom.choices, required=False,
        widget=forms.CheckboxSelectMultiple(attrs={"class": "form-check-input"}),
    )  # fmt: skip
    note = forms.CharField(label=_("note"), max_length=500, required=False)


class ChangeEndForm(forms.Form):
    new_end_on = forms.DateField(label=_("new end"), widget=DateInput())
    reason = forms.CharField(label=_("reason"), max_length=500)


class ReleaseForm(forms.Form):
    note = forms.CharField(label=_("release note"), max_length=500, required=False)


class ObservationFilterForm(forms.Form):
    state = forms.ChoiceField(
        choices=[("open", _("Open")), ("released", _("Released")), ("all", _("All"))],
        required=False,
    )
    q = forms.CharField(max_length=50, required=False)
