"""The DHIS2 export over the API: the JSON against DHIS2's shape, the ADX against the
schema, zeros, missing reports, completeness, skipped units and fields, scope and errors."""

import copy
from datetime import UTC, date, datetime, timedelta

import time_machine
from django.test import TestCase
from lxml import etree

from fangkong.core.auth import create_token
from fangkong.orgs.models import Unit
from fangkong.reporting import services as reporting
from fangkong.reporting.testing import daily_values, make_reporting_province

from .. import services
from .checks import adx_problems, data_value_set_problems

DAY = date(2020, 2, 3)
DAY2 = date(2020, 2, 4)
BEFORE = datetime(2020, 2, 3, 0, 0, tzinfo=UTC)  # 08:00 local
NS = "{urn:ihe:qrph:adx:2015}"
URL = "/api/v1/exports/dhis2/"


def _code(unit, code):
    Unit.objects.filter(pk=unit.pk).update(dhis2_code=code)


@time_machine.travel(BEFORE + timedelta(days=2), tick=False)
class ExportApiTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        t = cls.t = make_reporting_province()
        _code(t.group_a, "OU_GA")
        _code(t.a_site_1, "OU_S1")
        _code(t.a_site_2, "OU_S2")
        services.save_dhis2_mapping(
            actor=t.sasac,
            form=t.daily,
            data_set="DS_DAILY",
            elements={
                "confirmed": ("DE_CONF", ""),
                "fever_today": ("DE_FEVER", "COC_STAFF"),
                "staff_total": ("DE_STAFF", ""),
            },
        )
        with time_machine.travel(BEFORE, tick=False):
            for day in (DAY, DAY2):
                reporting.sync_expected(t.daily, day)
            values = daily_values(confirmed=1, fever_today=2)
            reporting.file_report(
                actor=t.root, form=t.daily, unit=t.a_site_1, day=DAY, values=values
            )
            reporting.file_zero_report(actor=t.root, form=t.daily, unit=t.a_site_2, day=DAY)
            reporting.file_report(  # a unit without a DHIS2 code: skipped
                actor=t.root, form=t.daily, unit=t.a_hq, day=DAY, values=daily_values()
            )
        with time_machine.travel(BEFORE + timedelta(days=1), tick=False):
            # DAY2: a-site-1 files nothing (missing), a-site-2 files again.
            reporting.file_report(
                actor=t.root, form=t.daily, unit=t.a_site_2, day=DAY2, values=daily_values()
            )

    def get(self, path, user=None, **params):
        self.client.force_login(user or self.t.sasac)
        query = {"form": "daily", "unit": "OU_GA", "start": "2020-02-01", "end": "2020-02-05"}
        query.update(params)
        return self.client.get(URL + path, query)

    def test_data_value_sets_have_dhis2_shape_zeros_and_no_missing(self):
        response = self.get("dataValueSets")
        self.assertEqual(response.status_code, 200, response.content)
        body = response.json()
        self.assertEqual(data_value_set_problems(body), [])
        self.assertEqual(body["dataSet"], "DS_DAILY")
        self.assertNotIn("completeDate", body)  # several (unit, day): registrations say it
        got = {
            (v["orgUnit"], v["period"], v["dataElement"], v.get("categoryOptionCombo")): v["value"]
            for v in body["dataValues"]
        }
        self.assertEqual(
            got,
            {
                ("OU_S1", "20200203", "DE_CONF", None): "1",
                ("OU_S1", "20200203", "DE_FEVER", "COC_STAFF"): "2",
                ("OU_S1", "20200203", "DE_STAFF", None): "50",
                # the zero report: its zeros, explicitly; it says nothing of the staff
                ("OU_S2", "20200203", "DE_CONF", None): "0",
                ("OU_S2", "20200203", "DE_FEVER", "COC_STAFF"): "0",
                ("OU_S2", "20200204", "DE_CONF", None): "0",
                ("OU_S2", "20200204", "DE_FEVER", "COC_STAFF"): "0",
                ("OU_S2", "20200204", "DE_STAFF", None): "50",
            },
        )
        self.assertEqual(response["X-Fangkong-Skipped-Units"], "1")
        self.assertEqual(response["X-Fangkong-Skipped-Unit-Codes"], "a-hq")
        self.assertIn("suspected", response["X-Fangkong-Skipped-Fields"].split(","))

    def test_one_unit_one_day_is_a_complete_set(self):
        body = self.get("dataValueSets", unit="OU_S1", start="2020-02-03", end="2020-02-03").json()
        self.assertEqual(data_value_set_problems(body), [])
        self.assertEqual(
            (body["period"], body["orgUnit"], body["completeDate"]),
            ("20200203", "OU_S1", "2020-02-03"),
        )
        self.assertEqual(len(body["dataValues"]), 3)

    def test_the_unit_by_its_fangkong_code_and_a_token(self):
        _token, raw = create_token(self.t.root, "dhis2")
        response = self.client.get(
            URL + "dataValueSets",
            {"form": "daily", "unit": "a-sub", "start": "2020-02-01", "end": "2020-02-05"},
            headers={"Authorization": f"Bearer {raw}"},
        )
        self.assertEqual(response.status_code, 200, response.content)
        self.assertEqual({v["orgUnit"] for v in response.json()["dataValues"]}, {"OU_S1", "OU_S2"})

    def test_complete_registrations_for_filed_reports(self):
        body = self.get("completeDataSetRegistrations").json()
        rows = {(r["organisationUnit"], r["period"]) for r in body["completeDataSetRegistrations"]}
        self.assertEqual(
            rows, {("OU_S1", "20200203"), ("OU_S2", "20200203"), ("OU_S2", "20200204")}
        )
        first = body["completeDataSetRegistrations"][0]
        self.assertEqual((first["dataSet"], first["completed"]), ("DS_DAILY", True))
        self.assertEqual(first["date"], "2020-02-03")

    def test_adx_validates_against_the_schema(self):
        response = self.get("adx")
        self.assertEqual(response.status_code, 200, response.content)
        self.assertTrue(response["Content-Type"].startswith("application/adx+xml"))
        self.assertEqual(adx_problems(response.content), [])
        root = etree.fromstring(response.content)
        groups = root.findall(f"{NS}group")
        self.assertEqual(
            [(g.get("orgUnit"), g.get("period"), g.get("dataSet")) for g in groups],
            [
                ("OU_S1", "2020-02-03/P1D", "DS_DAILY"),
                ("OU_S2", "2020-02-03/P1D", "DS_DAILY"),
                ("OU_S2", "2020-02-04/P1D", "DS_DAILY"),
            ],
        )
        self.assertEqual(groups[0].get("completed"), "2020-02-03")
        fever = groups[0].find(f"{NS}dataValue[@dataElement='DE_FEVER']")
        self.assertEqual((fever.get("value"), fever.get("categoryOptionCombo")), ("2", "COC_STAFF"))
        zero = groups[1].find(f"{NS}dataValue[@dataElement='DE_CONF']")
        self.assertEqual(zero.get("value"), "0")

    def test_the_checks_fail_broken_documents(self):
        good = self.get("adx").content
        self.assertEqual(adx_problems(good), [])

        def broken(change):
            root = etree.fromstring(good)
            change(root)
            return etree.tostring(root)

        first = lambda r: r.find(f"{NS}group")  # noqa: E731
        for change in (
            lambda r: first(r).find(f"{NS}dataValue").attrib.pop("dataElement"),
            lambda r: first(r).set("period", "20200203"),
            lambda r: first(r).find(f"{NS}dataValue").set("value", "many"),
            lambda r: first(r).attrib.pop("orgUnit"),
            lambda r: [first(r).remove(v) for v in list(first(r))],  # a group without values
            lambda r: r.attrib.pop("exported"),
        ):
            self.assertNotEqual(adx_problems(broken(change)), [])
        other = good.replace(b"urn:ihe:qrph:adx:2015", b"urn:example:not-adx")
        self.assertNotEqual(adx_problems(other), [])

        body = self.get("dataValueSets").json()
        self.assertEqual(data_value_set_problems(body), [])
        for path, value in (
            (("dataValues", 0, "value"), 1),
            (("dataValues", 0, "period"), "2020-02-03"),
            (("dataValues", 0, "dataElement"), ""),
            (("dataSet",), None),
            (("dataValues", 0, "orgunit"), "x"),
        ):
            copy_ = copy.deepcopy(body)
            target = copy_
            for key in path[:-1]:
                target = target[key]
            target[path[-1]] = value
            self.assertNotEqual(data_value_set_problems(copy_), [], path)

    def test_outsiders_and_unknown_codes_are_404(self):
        for user, params in (
            (self.t.charlie, {}),  # group B's admin
            (self.t.nobody, {}),
            (self.t.sasac, {"unit": "OU_NOWHERE"}),
            (self.t.sasac, {"form": "no-such-form"}),
        ):
            for path in ("dataValueSets", "adx", "completeDataSetRegistrations"):
                response = self.get(path, user, **params)
                self.assertEqual(response.status_code, 404, (user, params, path))
                self.assertEqual(response.json()["code"], "not_found")

    def test_bad_requests_are_clear_400s(self):
        for params, field in (
            ({"start": "2020-13-01"}, "start"),
            ({"start": "yesterday"}, "start"),
            ({"end": "2020-02-30"}, "end"),
            ({"start": "2020-02-05", "end": "2020-02-01"}, "end"),
            ({"start": "2020-01-01", "end": "2021-01-01"}, "end"),  # 367 days
            ({"form": "sasac"}, "form"),  # not mapped
        ):
            for path in ("dataValueSets", "adx"):
                response = self.get(path, **params)
                self.assertEqual(response.status_code, 400, (params, response.content))
                body = response.json()
                self.assertIn(field, body["fields"], body)
                self.assertTrue(body["message"])
        self.assertEqual(self.get("adx", form="sasac").json()["code"], "not_mapped")
        # 366 days is fine
        ok = self.get("dataValueSets", start="2020-01-01", end="2020-12-31")
        self.assertEqual(ok.status_code, 200)

    def test_a_decimal_and_text_are_exported_as_dhis2_takes_them(self):
        from ..queries import dhis2_value

        self.assertEqual(
            [dhis2_value(v) for v in (0, 12, "1.50", 2.0, "x", None, True, "NaN", "-0")],
            ["0", "12", "1.5", "2", None, None, None, None, "0"],
        )

    def test_query_count_does_not_grow_with_reports(self):
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        def count():
            self.client.force_login(self.t.sasac)
            with CaptureQueriesContext(connection) as ctx:
                self.assertEqual(self.get("dataValueSets").status_code, 200)
            return len(ctx.captured_queries)

        before = count()
        with time_machine.travel(BEFORE + timedelta(days=1), tick=False):
            for unit in (self.t.a_site_1, self.t.a_hq):
                reporting.file_report(
                    actor=self.t.root, form=self.t.daily, unit=unit, day=DAY2, values=daily_values()
                )
        self.assertEqual(count(), before)
        self.assertLess(before, 25)
