"""A form's DHIS2 mapping: who may set it, what is refused (and why), the pages."""

from django.test import TestCase, override_settings
from django.urls import reverse

from fangkong.core.errors import InvalidInput, PermissionDeniedInScope
from fangkong.core.models import AuditEntry
from fangkong.exports import services
from fangkong.exports.models import Dhis2Mapping
from fangkong.reporting.testing import make_reporting_province


@override_settings(LANGUAGE_CODE="en")
class MappingTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.t = make_reporting_province()

    def save(self, user=None, data_set="DS", **elements):
        return services.save_dhis2_mapping(
            actor=user or self.t.sasac, form=self.t.daily, data_set=data_set, elements=elements
        )

    def test_saves_replaces_and_audits(self):
        self.save(confirmed=("DE_C", ""), fever_today=("DE_F", "COC_A"))
        mapping = self.save(
            data_set="DS2",
            confirmed=("DE_C", ""),
            fever_today=("DE_F", "COC_B"),
            staff_total=("", ""),
        )
        self.assertEqual(mapping.data_set, "DS2")
        self.assertEqual(
            sorted(
                mapping.elements.values_list("field_code", "data_element", "category_option_combo")
            ),
            [("confirmed", "DE_C", ""), ("fever_today", "DE_F", "COC_B")],
        )
        self.assertEqual(Dhis2Mapping.objects.count(), 1)
        entry = AuditEntry.objects.filter(action="map_dhis2").order_by("-id").first()
        self.assertEqual(entry.changes["fever_today"], ["DE_F/COC_A", "DE_F/COC_B"])

    def test_the_same_element_with_other_combos_is_fine(self):
        self.save(confirmed=("DE_X", "COC_1"), suspected=("DE_X", "COC_2"))

    def test_problems_are_refused_whole_by_field(self):
        with self.assertRaises(InvalidInput) as caught:
            self.save(
                data_set="",
                confirmed=("DE_X", ""),
                suspected=("DE_X", ""),  # the same element and combo as confirmed
                fever_today=("x" * 51, ""),
                close_contacts=("", "COC_1"),  # a combo without an element
                remarks=("DE_R", ""),  # text: not exported
                staff_total=("DE_S", "y" * 51),
            )
        fields = caught.exception.fields
        self.assertEqual(
            sorted(fields),
            [
                "coc_staff_total",
                "data_set",
                "de_close_contacts",
                "de_fever_today",
                "de_remarks",
                "de_suspected",
            ],
        )
        self.assertIn("already has this data element", str(fields["de_suspected"][0]))
        self.assertFalse(Dhis2Mapping.objects.exists())

    def test_only_who_may_change_the_form_may_map_it(self):
        # olga is the office of group A only; the daily form is filed in group B too
        with self.assertRaises(PermissionDeniedInScope):
            self.save(self.t.olga, confirmed=("DE_C", ""))

    def test_pages(self):
        self.client.force_login(self.t.sasac)
        listing = self.client.get(reverse("exports:mapping_list"))
        self.assertContains(listing, self.t.daily.name)
        url = reverse("exports:mapping_edit", args=["daily"])
        page = self.client.get(url)
        self.assertContains(page, 'name="de_confirmed"')
        self.assertNotContains(page, 'name="de_remarks"')
        bad = self.client.post(url, {"data_set": "DS", "de_confirmed": "DE", "de_suspected": "DE"})
        self.assertEqual(bad.status_code, 200)
        self.assertContains(bad, "is-invalid")
        self.assertContains(bad, "already has this data element")
        good = self.client.post(
            url, {"data_set": "DS", "de_confirmed": "DE_C", "coc_confirmed": ""}
        )
        self.assertRedirects(good, url)
        self.assertEqual(Dhis2Mapping.objects.get().elements.get().data_element, "DE_C")
        self.assertContains(self.client.get(url), 'value="DE_C"')

    def test_outsiders_get_404(self):
        for user, name, args, status in (
            (self.t.nobody, "exports:mapping_list", [], 404),
            (self.t.bob, "exports:mapping_list", [], 404),  # a liaison
            (self.t.olga, "exports:mapping_edit", ["daily"], 404),
            (self.t.sasac, "exports:mapping_edit", ["no-such-form"], 404),
            (self.t.olga, "exports:mapping_list", [], 200),  # an office: the empty state
        ):
            self.client.force_login(user)
            self.assertEqual(self.client.get(reverse(name, args=args)).status_code, status)
            if status == 404 and args:
                response = self.client.post(reverse(name, args=args), {"data_set": "X"})
                self.assertEqual(response.status_code, 404)
        self.assertFalse(Dhis2Mapping.objects.exists())
