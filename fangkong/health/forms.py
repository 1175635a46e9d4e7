"""Forms of the observation and travel pages; the rules themselves live in
services.observation and services.travel."""

from django import forms
from django.utils.translation import gettext_lazy as _

from fangkong.orgs.forms import PersonPicker

from .choices import ObservationPlace, ObservationReason, RiskLevel, Symptom, Transport


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, attrs=None):
        super().__init__(attrs, format="%Y-%m-%d")


class PersonLookupForm(forms.Form):
    employee_no = forms.CharField(label=_("person"), max_length=32, widget=PersonPicker())


class ObservationStartForm(forms.Form):
    reason = forms.ChoiceField(label=_("reason"), choices=ObservationReason.choices)
    place = forms.ChoiceField(label=_("place"), choices=ObservationPlace.choices)
    place_detail = forms.CharField(label=_("address or site"), max_length=200, required=False)
    start_on = forms.DateField(
        label=_("starts on"),
        required=False,
        widget=DateInput(),
        help_text=_("Today if left empty; not in the future."),
    )
    planned_end_on = forms.DateField(
        label=_("planned end"),
        required=False,
        widget=DateInput(),
        help_text=_("If left empty: the standard observation period after the start."),
    )
    note = forms.CharField(
        label=_("note"), max_length=500, required=False, widget=forms.Textarea(attrs={"rows": 2})
    )


class FollowUpForm(forms.Form):
    day = forms.DateField(label=_("day"), required=False, widget=DateInput())
    # Parsed by validation.parse_temperature, which explains °F and typing mistakes.
    temperature = forms.CharField(label=_("temperature (°C)"), max_length=10, required=False)
    symptoms = forms.MultipleChoiceField(
        label=_("symptoms"),
        choices=Symptom.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple(attrs={"class": "form-check-input"}),
    )
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


# --- travel ---------------------------------------------------------------------------


class TripForm(forms.Form):
    family_member = forms.TypedChoiceField(
        label=_("traveller"), coerce=int, empty_value=None, required=False
    )
    origin = forms.CharField(label=_("from"), max_length=100)
    destination = forms.CharField(label=_("to"), max_length=100)
    via = forms.CharField(
        label=_("via"),
        max_length=200,
        required=False,
        help_text=_("Places on the way, separated by commas."),
    )
    depart_on = forms.DateField(label=_("departs on"), widget=DateInput())
    return_on = forms.DateField(label=_("returns on"), required=False, widget=DateInput())
    transport = forms.ChoiceField(label=_("transport"), choices=Transport.choices)
    transport_no = forms.CharField(
        label=_("train or flight number"),
        max_length=20,
        required=False,
        help_text=_("Required for a train or a flight."),
    )
    purpose = forms.CharField(label=_("purpose"), max_length=200, required=False)

    def __init__(self, *args, person, **kwargs):
        super().__init__(*args, **kwargs)
        staff = _("%(name)s (member of staff)") % {"name": person.name}
        self.fields["family_member"].choices = [("", staff)] + [
            (m.pk, f"{m.name} ({m.relation})") for m in person.family_members.all()
        ]


class TripFilterForm(forms.Form):
    flagged = forms.BooleanField(required=False)
    start = forms.DateField(required=False)
    end = forms.DateField(required=False)
    q = forms.CharField(max_length=50, required=False)


class AreaUnitField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return "　" * max(obj.depth - self.top, 0) + obj.name


class RiskAreaForm(forms.Form):
    unit = AreaUnitField(
        label=_("applies within"),
        queryset=None,
        to_field_name="code",
        help_text=_("A unit's own area flags only the trips of that unit and the units below it."),
    )
    name = forms.CharField(
        label=_("area"),
        max_length=100,
        help_text=_(
            "As it appears in addresses, such as 武汉 or 朝阳区: a trip naming it is flagged."
        ),
    )
    level = forms.ChoiceField(label=_("level"), choices=RiskLevel.choices)
    effective_from = forms.DateField(label=_("from"), widget=DateInput())
    effective_to = forms.DateField(
        label=_("to"),
        required=False,
        widget=DateInput(),
        help_text=_("Empty: until further notice."),
    )
    note = forms.CharField(label=_("note"), max_length=200, required=False)

    def __init__(self, *args, units, province: bool, **kwargs):
        """`units`: the units the user keeps areas of; `province`: whether they keep
        province-wide ones (the empty choice)."""
        super().__init__(*args, **kwargs)
        field = self.fields["unit"]
        field.queryset = units
        field.top = min((u.depth for u in units), default=0)
        field.required = not province
        field.empty_label = _("Whole province") if province else None
