"""The unit's DHIS2 org unit code: optional, unique when set, at most 50 characters; edited
on the unit's page, through the API and in the unit import (an optional column)."""

import io

from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import TestCase, override_settings
from django.urls import reverse
from openpyxl import Workbook, load_workbook

from fangkong.core.errors import InvalidInput
from fangkong.orgs import services
from fangkong.orgs.excel import UNIT_COLUMNS
from fangkong.orgs.models import Unit
from fangkong.orgs.testing import ProvinceMixin

TITLES = [t for t, _f in UNIT_COLUMNS]
NO_DHIS2 = [t for t, f in UNIT_COLUMNS if f != "dhis2_code"]


def xlsx(titles, rows):
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(titles)
    for row in rows:
        sheet.append(row)
    out = io.BytesIO()
    workbook.save(out)
    return SimpleUploadedFile("units.xlsx", out.getvalue())


def row(code, name, parent, dhis2=None):
    base = [code, name, parent, "部门", "", "否", "", "", "", "否", ""]
    return base if dhis2 is None else [*base, dhis2]


@override_settings(LANGUAGE_CODE="en")
class Dhis2CodeTests(ProvinceMixin, TestCase):
    def codes(self):
        return dict(Unit.objects.exclude(dhis2_code="").values_list("code", "dhis2_code"))

    def test_service_trims_checks_length_and_uniqueness(self):
        services.update_unit(actor=self.t.alice, unit=self.t.a_hq, dhis2_code="  OU_HQ ")
        self.assertEqual(Unit.objects.get(pk=self.t.a_hq.pk).dhis2_code, "OU_HQ")
        for bad in ("OU_HQ", "x" * 51, "OU\x00"):
            with self.assertRaises(InvalidInput) as caught:
                services.update_unit(actor=self.t.alice, unit=self.t.a_sub, dhis2_code=bad)
            self.assertIn("dhis2_code", caught.exception.fields)
        # several units without a code are fine
        services.update_unit(actor=self.t.alice, unit=self.t.a_sub, dhis2_code="")
        services.update_unit(actor=self.t.alice, unit=self.t.a_site_1, dhis2_code="")
        self.assertEqual(self.codes(), {"a-hq": "OU_HQ"})

    def test_unit_page_edits_it(self):
        self.client.force_login(self.t.alice)
        url = reverse("orgs:unit_edit", args=["a-hq"])
        page = self.client.get(url)
        self.assertContains(page, 'name="dhis2_code"')
        data = {"code": "a-hq", "name": "HQ", "kind": "department", "timezone": "Asia/Shanghai"}
        response = self.client.post(url, {**data, "dhis2_code": "OU_HQ"})
        self.assertEqual(response.status_code, 302)
        self.assertContains(self.client.get(reverse("orgs:unit_detail", args=["a-hq"])), "OU_HQ")
        services.update_unit(actor=self.t.alice, unit=self.t.a_sub, dhis2_code="OU_SUB")
        clash = self.client.post(url, {**data, "dhis2_code": "OU_SUB"})
        self.assertEqual(clash.status_code, 200)
        self.assertContains(clash, "already has this DHIS2 code")

    def test_api_reads_and_patches_it(self):
        self.client.force_login(self.t.alice)
        response = self.client.patch(
            "/api/v1/units/a-hq", {"dhis2_code": "OU_HQ"}, content_type="application/json"
        )
        self.assertEqual(response.status_code, 200, response.content)
        self.assertEqual(response.json()["dhis2_code"], "OU_HQ")
        too_long = self.client.patch(
            "/api/v1/units/a-sub", {"dhis2_code": "x" * 51}, content_type="application/json"
        )
        self.assertIn(too_long.status_code, (400, 422))

    def upload(self, file):
        self.client.force_login(self.t.alice)
        return self.client.post(reverse("orgs:import_upload", args=["units"]), {"file": file})

    def test_import_sets_codes_and_export_writes_them(self):
        response = self.upload(
            xlsx(
                TITLES,
                [row("a-hq", "HQ", "group-a", "OU_HQ"), row("a-new", "New", "group-a", "OU_NEW")],
            )
        )
        result = response.context["result"]
        self.assertEqual(result.errors, [])
        self.assertEqual(self.codes(), {"a-hq": "OU_HQ", "a-new": "OU_NEW"})
        export = self.client.get(reverse("orgs:export_download", args=["units"]) + "?unit=a-hq")
        sheet = load_workbook(io.BytesIO(export.content)).worksheets[0]
        header = [c.value for c in sheet[1]]
        self.assertEqual(header[-1], "DHIS2编码")
        self.assertEqual(sheet.cell(row=2, column=len(header)).value, "OU_HQ")

    def test_import_without_the_column_keeps_the_codes(self):
        services.update_unit(actor=self.t.alice, unit=self.t.a_hq, dhis2_code="OU_HQ")
        result = self.upload(xlsx(NO_DHIS2, [row("a-hq", "HQ renamed", "group-a")])).context[
            "result"
        ]
        self.assertEqual(result.errors, [])
        self.assertEqual(Unit.objects.get(code="a-hq").name, "HQ renamed")
        self.assertEqual(self.codes(), {"a-hq": "OU_HQ"})

    def test_import_is_all_or_nothing_on_bad_codes(self):
        services.update_unit(actor=self.t.charlie, unit=self.t.b_sub, dhis2_code="OU_B")
        before = list(Unit.objects.order_by("pk").values_list("code", "name", "dhis2_code"))
        result = self.upload(
            xlsx(
                TITLES,
                [
                    row("a-hq", "HQ", "group-a", "OU_X"),
                    row("a-new", "New", "group-a", "OU_X"),  # twice in the file
                    row("a-new-2", "New 2", "group-a", "OU_B"),  # another group's unit has it
                    row("a-new-3", "New 3", "group-a", "y" * 51),
                ],
            )
        ).context["result"]
        rows = sorted((e.row, e.column) for e in result.errors)
        self.assertEqual(rows, [(3, "DHIS2编码"), (4, "DHIS2编码"), (5, "DHIS2编码")])
        self.assertEqual(
            list(Unit.objects.order_by("pk").values_list("code", "name", "dhis2_code")), before
        )
