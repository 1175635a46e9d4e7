"""Forms of the supplies pages. Quantities are typed as people type them (full-width
digits from a Chinese IME too: core.numbers); the rules of the ledger (never below zero,
a reason for a difference) are the services', shown on the fields they name."""

from django import forms
from django.utils.translation import gettext_lazy as _

from fangkong.core.numbers import parse_int
from fangkong.orgs.forms import UnitPicker

from .choices import AdjustReason, Source
from .models import Item
from .services import MAX_QUANTITY


def parse_quantity(value, *, minimum: int = 1) -> int:
    """A typed quantity as a whole number of at least `minimum`; ValueError with a message
    a person can act on otherwise."""
    try:
        number = parse_int(value)
    except ValueError:
        raise ValueError(_("Type a whole number.")) from None
    if number < minimum:
        raise ValueError(_("Type a quantity above zero.") if minimum > 0 else _("Type 0 or more."))
    if number > MAX_QUANTITY:
        raise ValueError(_("At most %(n)s.") % {"n": f"{MAX_QUANTITY:,}"})
    return number


class QuantityField(forms.CharField):
    """A count typed in a text box (inputmode numeric), read through core.numbers."""

    def __init__(self, *, minimum: int = 1, **kwargs):
        self.minimum = minimum
        kwargs.setdefault("max_length", 20)
        super().__init__(**kwargs)
        self.widget.attrs.update(inputmode="numeric", autocomplete="off")

    def clean(self, value):
        value = super().clean(value)
        if value in self.empty_values:
            return None
        try:
            return parse_quantity(value, minimum=self.minimum)
        except ValueError as exc:
            raise forms.ValidationError(str(exc)) from None


def item_choices():
    return [(i.code, f"{i.name}（{i.unit_of_measure}）") for i in Item.objects.filter(active=True)]


class MoveForm(forms.Form):
    item = forms.ChoiceField(label=_("Item"), choices=item_choices)

    def clean_item(self):
        return Item.objects.get(code=self.cleaned_data["item"])


class ReceiptForm(MoveForm):
    quantity = QuantityField(label=_("Quantity received"))
    source = forms.ChoiceField(label=_("Where it came from"), choices=Source.choices)
    note = forms.CharField(
        label=_("Note (supplier, donor, document number)"), max_length=200, required=False
    )


class IssueForm(MoveForm):
    quantity = QuantityField(label=_("Quantity issued"))
    purpose = forms.CharField(label=_("Site or purpose"), max_length=200)
    note = forms.CharField(label=_("Note"), max_length=200, required=False)


class TransferForm(MoveForm):
    # Any unit the sender can see may receive, not only those where they keep stock.
    to_unit = forms.CharField(label=_("To unit"), max_length=64, widget=UnitPicker())
    quantity = QuantityField(label=_("Quantity sent"))
    note = forms.CharField(label=_("Note"), max_length=200, required=False)


class CountForm(MoveForm):
    counted = QuantityField(label=_("Quantity counted"), minimum=0)
    reason = forms.ChoiceField(
        label=_("Why it differs from the ledger"), choices=AdjustReason.choices
    )
    note = forms.CharField(label=_("Note"), max_length=200, required=False)


MOVE_FORMS = {
    "receipt": ReceiptForm,
    "issue": IssueForm,
    "transfer": TransferForm,
    "count": CountForm,
}


class ReceiveForm(forms.Form):
    """Proof of receipt: the quantity counted on arrival is typed, never prefilled."""

    quantity = QuantityField(label=_("Quantity received"), minimum=0)
    reason = forms.CharField(
        label=_("Why it differs from what was sent"), max_length=200, required=False
    )


class ReverseForm(forms.Form):
    note = forms.CharField(label=_("What was wrong with the entry"), max_length=200)
