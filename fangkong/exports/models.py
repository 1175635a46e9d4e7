"""The mapping of a report form onto a health authority's DHIS2: the form is a DHIS2 data
set, each numeric field a data element (with an optional category option combo). Units
carry their DHIS2 org unit code themselves (`orgs.Unit.dhis2_code`).

Fields are mapped by their code, which stays the same across the form's versions: a new
version keeps its mapping, a field it drops is simply no longer exported."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from fangkong.reporting.models import ReportForm

DHIS2_CODE_LENGTH = 50  # DHIS2's `code` columns are varchar(50)


class Dhis2Mapping(models.Model):
    form = models.OneToOneField(
        ReportForm, verbose_name=_("report form"), on_delete=models.CASCADE, related_name="dhis2"
    )
    data_set = models.CharField(_("DHIS2 data set code"), max_length=DHIS2_CODE_LENGTH)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        verbose_name = _("DHIS2 mapping")
        verbose_name_plural = _("DHIS2 mappings")

    def __str__(self):
        return f"{self.form} → {self.data_set}"


class Dhis2Element(models.Model):
    mapping = models.ForeignKey(Dhis2Mapping, on_delete=models.CASCADE, related_name="elements")
    field_code = models.SlugField(_("field"), max_length=40)
    data_element = models.CharField(_("DHIS2 data element code"), max_length=DHIS2_CODE_LENGTH)
    category_option_combo = models.CharField(
        _("DHIS2 category option combo code"), max_length=DHIS2_CODE_LENGTH, blank=True
    )

    class Meta:
        verbose_name = _("DHIS2 data element of a field")
        verbose_name_plural = _("DHIS2 data elements of fields")
        ordering = ["mapping", "id"]
        constraints = [
            models.UniqueConstraint(fields=["mapping", "field_code"], name="dhis2_field_unique"),
            # Two fields on one (data element, combo) would overwrite each other in DHIS2.
            models.UniqueConstraint(
                fields=["mapping", "data_element", "category_option_combo"],
                name="dhis2_element_unique",
            ),
        ]

    def __str__(self):
        return f"{self.field_code} → {self.data_element}"
