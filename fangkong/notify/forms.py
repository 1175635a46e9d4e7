from django import forms
from django.utils.translation import gettext_lazy as _

from fangkong.orgs.choices import Role
from fangkong.orgs.forms import UnitPicker

from .choices import USER_CHANNELS
from .permissions import NotifyPerm
from .topics import topic_choices


class RuleForm(forms.Form):
    unit = forms.CharField(
        label=_("unit"), max_length=50, widget=UnitPicker(perm=NotifyPerm.MANAGE_ROUTING)
    )
    topic = forms.ChoiceField(label=_("topic"), choices=topic_choices)
    role = forms.ChoiceField(label=_("role"), choices=Role.choices)
    channels = forms.MultipleChoiceField(
        label=_("channels"), choices=USER_CHANNELS, widget=forms.CheckboxSelectMultiple
    )
    applies_to_subtree = forms.BooleanField(
        label=_("applies to the units below"), required=False, initial=True
    )

    def __init__(self, *args, editing: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        if editing:  # a rule stays on its unit: make a new one elsewhere
            del self.fields["unit"]
