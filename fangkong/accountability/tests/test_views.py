import io
from datetime import timedelta

from django.db import connection
from django.test import TestCase
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from openpyxl import load_workbook

from fangkong.accountability import services
from fangkong.accountability.choices import EntryKind
from fangkong.accountability.models import Annotation, Entry
from fangkong.core.models import AccessLog
from fangkong.core.testing import api_document
from fangkong.reporting import services as reporting
from fangkong.reporting.testing import daily_values

from .helpers import AFTER, DAY, LedgerMixin

LEDGER = reverse("accountability:entry_list")
EXPORT = reverse("accountability:entry_export")
PERIOD = "from=2020-02-01&to=2020-02-05"


class LedgerTestBase(LedgerMixin, TestCase):
    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        t = cls.t
        reporting.sync_expected(t.daily, DAY)
        for unit in (t.a_site_1, t.b_sub):  # late, recorded by the sweep
            reporting.file_report(
                actor=t.root, form=t.daily, unit=unit, day=DAY, values=daily_values(), now=AFTER
            )
        services.record_overdue(AFTER)  # and a-hq, a-sub, a-site-2 missing
        cls.entry = Entry.objects.get(unit=t.a_site_1)
        cls.outside = Entry.objects.get(unit=t.b_sub)

    def annotate_url(self, entry=None):
        return reverse("accountability:entry_annotate", args=[(entry or self.entry).pk])


class LedgerPageTests(LedgerTestBase):
    def test_office_sees_the_subtree_and_period(self):
        self.client.force_login(self.t.olga)
        page = self.client.get(f"{LEDGER}?unit=a-sub&{PERIOD}").content.decode()
        self.assertEqual(page.count('data-testid="entry"'), 3)  # a-sub, a-site-1, a-site-2
        self.assertIn("Unit a-site-1", page)
        self.assertNotIn("<code>a-hq</code>", page)
        self.assertIn("Person A002", page)  # the liaison at the time
        self.assertIn(f'id="entry-{self.entry.pk}"', page)
        self.assertIn(self.annotate_url(), page)  # the office may annotate
        whole = self.client.get(f"{LEDGER}?{PERIOD}").content.decode()
        self.assertEqual(whole.count('data-testid="entry"'), 4)
        self.assertNotIn("<code>b-sub</code>", whole)
        late = self.client.get(f"{LEDGER}?{PERIOD}&kind={EntryKind.LATE_FILING}").content.decode()
        self.assertEqual(late.count('data-testid="entry"'), 1)
        old = self.client.get(f"{LEDGER}?from=2020-01-01&to=2020-01-31").content.decode()
        self.assertEqual(old.count('data-testid="entry"'), 0)

    def test_htmx_filter_returns_the_table_only(self):
        self.client.force_login(self.t.olga)
        response = self.client.get(f"{LEDGER}?unit=a-sub&{PERIOD}", headers={"HX-Request": "true"})
        self.assertContains(response, 'data-testid="entry"', count=3)
        self.assertNotContains(response, "<html")

    def test_outsider_gets_404_on_page_export_and_row(self):
        self.client.force_login(self.t.charlie)
        for url in (f"{LEDGER}?unit=a-sub", f"{EXPORT}?unit=a-sub", f"{LEDGER}?unit=nope"):
            self.assertEqual(self.client.get(url).status_code, 404, url)
        response = self.client.post(self.annotate_url(), {"action": "waive", "text": "x"})
        self.assertEqual(response.status_code, 404)
        own = self.client.get(f"{LEDGER}?{PERIOD}").content.decode()
        self.assertIn("<code>b-sub</code>", own)
        self.assertNotIn("<code>a-site-1</code>", own)
        self.assertFalse(Annotation.objects.exists())

    def test_liaison_sees_own_unit_but_may_not_waive(self):
        self.client.force_login(self.t.bob)
        page = self.client.get(f"{LEDGER}?{PERIOD}").content.decode()
        self.assertEqual(page.count('data-testid="entry"'), 1)
        self.assertNotIn(self.annotate_url(), page)
        response = self.client.post(self.annotate_url(), {"action": "waive", "text": "x"})
        self.assertEqual(response.status_code, 403)
        self.assertFalse(Entry.objects.get(pk=self.entry.pk).waived)

    def test_anonymous_is_sent_to_login(self):
        self.assertEqual(self.client.get(LEDGER).status_code, 302)

    def test_bad_dates_show_on_the_form(self):
        self.client.force_login(self.t.olga)
        response = self.client.get(f"{LEDGER}?from=2020-02-31&to=x")
        self.assertContains(response, 'data-testid="filter-errors"')
        reversed_ = self.client.get(f"{LEDGER}?from=2020-02-05&to=2020-02-01")
        self.assertContains(reversed_, 'data-testid="filter-errors"')
        export = self.client.get(f"{EXPORT}?from=2020-02-05&to=2020-02-01")
        self.assertEqual(export.status_code, 302)
        self.assertFalse(AccessLog.objects.filter(object_type="accountability").exists())

    def test_nav_item(self):
        self.client.force_login(self.t.bob)
        self.assertContains(self.client.get("/"), f'href="{LEDGER}"')

    def test_query_count_does_not_grow_with_the_page(self):
        self.client.force_login(self.t.olga)
        url = f"{LEDGER}?unit=group-a&from=2020-02-01&to=2020-02-20"
        with CaptureQueriesContext(connection) as few:
            self.client.get(url)
        for day in range(1, 12):
            for unit in (self.t.a_hq, self.t.a_sub, self.t.a_site_1, self.t.a_site_2):
                services.record_entry(
                    kind=EntryKind.MISSING_REPORT,
                    unit=unit,
                    day=DAY + timedelta(days=day),
                    object_type="daily_report",
                    object_id=1000 + day,
                    facts={},
                )
        services.annotate_entry(actor=self.t.olga, entry=self.entry, text="已约谈")
        with CaptureQueriesContext(connection) as many:
            response = self.client.get(url)
        self.assertContains(response, 'data-testid="entry"', count=48)
        self.assertEqual(len(many), len(few))
        self.assertLessEqual(len(many), 14)


class AnnotateTests(LedgerTestBase):
    def test_htmx_waive_returns_the_row_and_keeps_the_reason(self):
        self.client.force_login(self.t.olga)
        response = self.client.post(
            self.annotate_url(),
            {"action": "waive", "text": "停电无法报送"},
            headers={"HX-Request": "true"},
        )
        self.assertContains(response, 'data-testid="waived"')
        self.assertContains(response, "停电无法报送")
        self.assertNotContains(response, "<html")
        self.assertTrue(Entry.objects.get(pk=self.entry.pk).waived)
        note = self.client.post(
            self.annotate_url(),
            {"action": "annotate", "text": "已核实"},
            headers={"HX-Request": "true"},
        )
        self.assertContains(note, "已核实")
        self.assertContains(note, "unwaive")
        actions = Annotation.objects.filter(entry=self.entry).values_list("action", flat=True)
        self.assertEqual(list(actions), ["waive", "annotate"])

    def test_missing_reason_is_shown_in_the_row(self):
        self.client.force_login(self.t.olga)
        response = self.client.post(
            self.annotate_url(), {"action": "waive", "text": " "}, headers={"HX-Request": "true"}
        )
        self.assertContains(response, 'data-testid="annotate-error"')
        self.assertFalse(Entry.objects.get(pk=self.entry.pk).waived)
        bogus = self.client.post(
            self.annotate_url(), {"action": "create", "text": "x"}, headers={"HX-Request": "true"}
        )
        self.assertContains(bogus, 'data-testid="annotate-error"')
        self.assertFalse(Annotation.objects.exists())

    def test_without_htmx_redirects_back(self):
        self.client.force_login(self.t.olga)
        back = f"{LEDGER}?unit=a-sub&{PERIOD}"
        response = self.client.post(
            self.annotate_url(), {"action": "annotate", "text": "约谈", "next": back}
        )
        self.assertRedirects(response, back)
        evil = self.client.post(
            self.annotate_url(),
            {"action": "annotate", "text": "再谈", "next": "https://evil.example/"},
        )
        self.assertRedirects(evil, f"{LEDGER}?unit=a-site-1")


class ExportTests(LedgerTestBase):
    def test_export_has_the_rows_and_a_watermark_and_is_logged(self):
        services.waive_entry(actor=self.t.olga, entry=self.entry, reason="停电")
        self.client.force_login(self.t.olga)
        response = self.client.get(f"{EXPORT}?unit=a-sub&{PERIOD}", HTTP_ACCEPT_LANGUAGE="en")
        self.assertEqual(response.status_code, 200)
        self.assertIn(
            "fangkong-accountability-a-sub-2020-02-01-2020-02-05.xlsx",
            response["Content-Disposition"],
        )
        book = load_workbook(io.BytesIO(response.content))
        sheet = book.worksheets[0]
        rows = list(sheet.iter_rows(values_only=True))
        self.assertEqual(rows[0][:4], ("Day", "Unit code", "Unit", "Kind"))
        self.assertEqual(sorted(r[1] for r in rows[1:]), ["a-site-1", "a-site-2", "a-sub"])
        site_1 = next(r for r in rows[1:] if r[1] == "a-site-1")
        self.assertEqual(
            (site_1[0], site_1[6], site_1[7], site_1[8]), ("2020-02-03", 1, "yes", "Person A002")
        )
        self.assertIn("90 minutes late", site_1[4])
        self.assertIn("olga waived: 停电", site_1[10])
        watermark = sheet.oddHeader.center.text
        self.assertIn("olga", watermark)
        self.assertIn("Unit a-sub 2020-02-01–2020-02-05", watermark)
        self.assertIn("do not forward", watermark)
        self.assertEqual(book.worksheets[1]["A1"].value, watermark)
        log = AccessLog.objects.get(object_type="accountability")
        self.assertEqual(
            (log.username, log.action, log.unit_path), ("olga", "export", self.t.a_sub.path)
        )


class NoHandMadeEntriesTests(LedgerTestBase):
    def test_admin_refuses_to_add_change_or_delete(self):
        self.client.force_login(self.t.root)
        base = "/admin/accountability/entry/"
        self.assertEqual(self.client.get(base).status_code, 200)
        self.assertEqual(self.client.get(f"{base}add/").status_code, 403)
        self.assertEqual(self.client.post(f"{base}add/", {"kind": "late_filing"}).status_code, 403)
        change = f"{base}{self.entry.pk}/change/"
        self.assertEqual(self.client.get(change).status_code, 200)  # view only
        self.assertEqual(self.client.post(change, {"grade": "proposal"}).status_code, 403)
        self.assertEqual(self.client.get(f"{base}{self.entry.pk}/delete/").status_code, 403)
        entry = Entry.objects.get(pk=self.entry.pk)
        self.assertEqual((entry.grade, entry.waived), ("criticism", False))

    def test_no_endpoint_creates_an_entry(self):
        before = Entry.objects.count()
        self.client.force_login(self.t.root)
        body = {"kind": "late_filing", "unit": "a-hq", "day": "2020-02-03"}
        for url in (LEDGER, EXPORT, "/api/v1/accountability"):
            self.assertEqual(self.client.post(url, body).status_code, 405, url)
        self.client.post(self.annotate_url(), {"action": "annotate", "text": "x", **body})
        self.assertEqual(Entry.objects.count(), before)
        schema = api_document(self.client)
        self.assertEqual(set(schema["paths"]["/api/v1/accountability"]), {"get"})
        self.assertFalse(any(p.startswith("/api/v1/accountability/") for p in schema["paths"]))


class ApiTests(LedgerTestBase):
    def get(self, user, query=""):
        self.client.force_login(user)
        return self.client.get(f"/api/v1/accountability{query}")

    def test_list_for_the_office(self):
        response = self.get(self.t.olga, f"?unit=group-a&{PERIOD}")
        self.assertEqual(response.status_code, 200, response.content)
        data = response.json()
        self.assertEqual((data["count"], data["page"]), (4, 1))
        self.assertEqual(data["period"], {"from": "2020-02-01", "to": "2020-02-05"})
        late = next(i for i in data["items"] if i["kind"] == "late_filing")
        self.assertEqual(
            (late["unit"], late["day"], late["grade"], late["repetition"], late["waived"]),
            ("a-site-1", "2020-02-03", "criticism", 1, False),
        )
        self.assertEqual(late["facts"]["minutes_late"], 90)
        self.assertEqual(late["liaison_name"], "Person A002")
        kind = self.get(self.t.olga, f"?{PERIOD}&kind=missing_report").json()
        self.assertEqual({i["unit"] for i in kind["items"]}, {"a-hq", "a-sub", "a-site-2"})
        paged = self.get(self.t.olga, f"?{PERIOD}&page_size=3&page=2").json()
        self.assertEqual((paged["count"], len(paged["items"])), (4, 1))

    def test_scope(self):
        response = self.get(self.t.charlie, f"?unit=a-sub&{PERIOD}")
        self.assertEqual((response.status_code, response.json()["code"]), (404, "not_found"))
        own = self.get(self.t.charlie, f"?{PERIOD}").json()
        self.assertEqual([i["unit"] for i in own["items"]], ["b-sub"])
        self.client.logout()
        self.assertEqual(self.client.get("/api/v1/accountability").status_code, 401)

    def test_bad_input_is_422_with_field_names(self):
        cases = {
            "?from=2020-02-31": "from",
            "?to=yesterday": "to",
            "?from=2020-02-05&to=2020-02-01": "to",
            "?kind=typed_by_hand": "kind",
            "?grade=sacked": "grade",
        }
        for query, field in cases.items():
            response = self.get(self.t.olga, query)
            self.assertEqual(response.status_code, 422, query)
            self.assertEqual(response.json()["code"], "invalid")
            self.assertIn(field, response.json()["fields"], query)

    def test_default_period_is_the_last_30_days(self):
        data = self.get(self.t.olga, "?to=2020-02-03").json()
        self.assertEqual(data["period"], {"from": "2020-01-05", "to": "2020-02-03"})
        self.assertEqual(data["count"], 4)
        late_only = self.get(self.t.olga, "?from=2020-02-03&to=2020-02-03&grade=criticism")
        self.assertEqual(late_only.json()["count"], 4)
