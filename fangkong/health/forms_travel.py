"""Forms of the travel pages; the rules themselves live in services.travel."""

from django import forms
from django.utils.translation import gettext_lazy as _

from .choices import RiskLevel, Transport
from .forms import DateInput


class TripForm(forms.Form):
    family_member = forms.TypedChoiceField(
        label=_("traveller"), coerce=int, empty_value=None, required=False
    )
    origin = forms.CharField(label=_("from"), max_length=100)
    destination = forms.CharField(label=_("to"), max_length=100)
    via = forms.CharField(label=_("via"), max_length=200, required=False,
                          help_text=_("Places on the way, separated by commas."))  # fmt: skip
    depart_on = forms.DateField(label=_("departs on"), widget=DateInput())
    return_on = forms.DateField(label=_("returns on"), required=False, widget=DateInput())
    transport = forms.ChoiceField(label=_("transport"), choices=Transport.choices)
    transport_no = forms.CharField(
        label=_("train or flight number"), max_length=20, required=False,
        help_text=_("Required for a train or a flight."),
    )  # fmt: skip
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


class RiskAreaForm(forms.Form):
    name = forms.CharField(
        label=_("area"), max_length=100,
        help_text=_("As it appears in addresses, such as 武汉 or 朝阳区: a trip naming it is flagged."),
    )  # fmt: skip
    level = forms.ChoiceField(label=_("level"), choices=RiskLevel.choices)
    effective_from = forms.DateField(label=_("from"), widget=DateInput())
    effective_to = forms.DateField(label=_("to"), required=False, widget=DateInput(),
                                   help_text=_("Empty: until further notice."))  # fmt: skip
    note = forms.CharField(label=_("note"), max_length=200, required=False)
