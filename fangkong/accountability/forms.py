from django import forms
from django.utils.translation import gettext_lazy as _

from . import kinds
from .choices import AnnotationAction, Grade


class LedgerFilterForm(forms.Form):
    """The ledger's filters, shared by the page and the export (`from` and `to` are
    Python keywords, so those two fields are added by name)."""

    unit = forms.CharField(required=False, max_length=64)
    kind = forms.ChoiceField(required=False)
    grade = forms.ChoiceField(required=False, choices=[("", "")] + Grade.choices)
    waived = forms.ChoiceField(required=False, choices=[("", ""), ("0", ""), ("1", "")])

    def __init__(self, data=None, **kwargs):
        super().__init__(data, **kwargs)
        self.fields["from"] = forms.DateField(required=False, label=_("From"))
        self.fields["to"] = forms.DateField(required=False, label=_("To"))
        self.fields["kind"].choices = [("", "")] + kinds.kind_choices()

    def clean(self):
        cleaned = super().clean()
        start, end = cleaned.get("from"), cleaned.get("to")
        if start and end and start > end:
            self.add_error("to", _("The end of the period is before its start."))
        return cleaned


class AnnotationForm(forms.Form):
    action = forms.ChoiceField(choices=AnnotationAction.choices)
    text = forms.CharField(max_length=1000, required=False)
    next = forms.CharField(required=False)
