"""End-to-end: the main flows of each role through the real pages, in headless Chromium,
on the demo province (seeded once for the class; see fangkong.core.browser)."""

import io
import re
from urllib.parse import urlsplit

from django.contrib.auth import get_user_model
from django.utils import translation
from django.utils.translation import gettext, ngettext
from openpyxl import Workbook

from fangkong.core.browser import PHONE, BrowserTestCase
from fangkong.orgs import queries, services
from fangkong.orgs.demo import DEMO_PASSWORD
from fangkong.orgs.excel import PEOPLE_COLUMNS
from fangkong.orgs.models import FamilyMember, Person, Unit
from fangkong.orgs.testing import seed_demo_once

KNOWN_ID = "11010519491231002X"  # a valid ID number, for the masking checks
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def expect(*args, **kwargs):
    from playwright.sync_api import expect as expect_

    return expect_(*args, **kwargs)


def zh(message, **params):
    """A message as the server renders it for a zh-CN browser (whatever the catalogue
    says today)."""
    with translation.override("zh-hans"):
        return gettext(message) % params if params else gettext(message)


def people_workbook(rows) -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    sheet.append([title for title, _field in PEOPLE_COLUMNS])
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def employee_numbers(people) -> list[str]:
    return list(people.order_by("unit_path", "employee_no").values_list("employee_no", flat=True))


def tree_node(page, code):
    return page.locator(f"xpath=//li[div[@class='node']/small/code[text()='{code}']]")


class DemoProvinceBrowserTests(BrowserTestCase):
    @classmethod
    def setUpClassData(cls):
        seed_demo_once()
        admin = get_user_model().objects.get(username="admin")
        cls.known = services.create_person(
            actor=admin,
            unit=Unit.objects.get(code="CT-JY-C01"),
            employee_no="ID-TEST-1",
            name="测试脱敏",
            id_number=KNOWN_ID,
            is_party_member=True,
            phone="13800000000",
        )

    def login(self, page, username):
        return super().login(page, username, DEMO_PASSWORD)

    def people_column(self, page, n=1):
        return page.locator(f"#people-table tbody tr td:nth-child({n})")

    def test_heat_liaison_sees_only_its_station(self):
        page = self.login(self.page, "heat-liaison")
        self.assertEqual(page.url, f"{self.live_server_url}/")
        expect(page.locator("html")).to_have_attribute("lang", "zh-hans")
        expect(page.locator(".navbar-toggler")).to_be_hidden()
        cards = page.locator(".card-title a")
        expect(cards).to_have_text(["第1热力站"])
        expect(cards).to_have_attribute("href", "/orgs/units/CT-HEAT-S01/")

        page.get_by_test_id("nav-orgs").click()  # the "Units and people" dropdown
        page.click("a.dropdown-item[href='/orgs/people/']")
        station = Person.objects.filter(unit__code="CT-HEAT-S01", is_active=True)
        self.assertGreater(station.count(), 0)
        expect(self.people_column(page)).to_have_text(employee_numbers(station))
        expect(self.people_column(page, 3)).to_have_text(["第1热力站"] * station.count())

        other_person = Person.objects.filter(unit__code="WL-HOTEL-H1").first()
        for url in [
            "/orgs/units/WL/",  # another group
            "/orgs/units/CT/",  # its own group, above the station
            "/orgs/units/CT-HEAT-S02/",  # the next station
            "/orgs/units/WL/children/",
            "/orgs/people/?unit=WL",
            f"/orgs/people/{other_person.pk}/",
            f"/orgs/people/{self.known.pk}/",  # same group, another subsidiary
            "/orgs/transfer/people/export.xlsx?unit=CT",
        ]:
            with self.subTest(url=url):
                response = page.goto(url)
                self.assertEqual(response.status, 404)
                for secret in (other_person.name, self.known.name, "文化旅游", "产业投资"):
                    self.assertNotIn(secret, page.content())

        page.goto("/")
        page.click("[data-testid=user-menu]")
        page.click("[data-testid=logout]")
        expect(page).to_have_url(re.compile(r"/login/$"))
        page.goto("/orgs/people/")
        expect(page).to_have_url(re.compile(r"/login/\?next=/orgs/people/$"))

    def test_group_admin_expands_the_tree_and_opens_the_heating_company(self):
        page = self.login(self.page, "group-admin")
        page.get_by_test_id("nav-orgs").click()  # the "Units and people" dropdown
        page.click("a.dropdown-item[href='/orgs/units/']")
        expect(page).to_have_url(re.compile(r"/orgs/units/$"))
        # The group's own node opens by itself; its children come in with htmx.
        heat = tree_node(page, "CT-HEAT")
        expect(heat).to_be_visible()
        page.evaluate("window.fkNoReload = true")

        heat.locator(":scope > .node > button.toggle").click()
        children = heat.locator(":scope > ul > li > .node code")
        expected = ["CT-HEAT-OFFICE", *(f"CT-HEAT-S{i:02d}" for i in range(1, 14)), "CT-HEAT-FLEET"]
        expect(children).to_have_count(len(expected))
        self.assertCountEqual(children.all_inner_texts(), expected)
        self.assertTrue(page.evaluate("window.fkNoReload"), "the page was reloaded")
        expect(page).to_have_url(re.compile(r"/orgs/units/$"))
        expect(tree_node(page, "WL")).to_have_count(0)

        heat.locator(":scope > .node > a").click()
        expect(page).to_have_url(re.compile(r"/orgs/units/CT-HEAT/$"))
        expect(page.locator("h1")).to_have_text("热力总公司")
        expect(page.locator(".breadcrumb-item")).to_have_text(
            ["某市产业投资集团有限公司", "热力总公司"]
        )
        heating = Unit.objects.get(code="CT-HEAT")
        expect(page.get_by_test_id("head-count")).to_contain_text(str(queries.head_count(heating)))
        rows = page.locator("main table tbody tr:has(td:first-child a[href^='/orgs/units/'])")
        expect(rows).to_have_count(15)
        names = rows.locator("td:first-child a").all_inner_texts()
        self.assertEqual(
            sorted(n for n in names if n.endswith("热力站")),
            sorted(f"第{i}热力站" for i in range(1, 14)),
        )
        fleet = rows.filter(has=page.get_by_role("link", name="勤务车队", exact=True))
        fleet_head_count = queries.head_count(Unit.objects.get(code="CT-HEAT-FLEET"))
        expect(fleet.locator("td:nth-child(3), td:nth-child(4)")).to_have_text(
            [str(fleet_head_count), "100"]
        )

    def test_people_filters_and_masked_id(self):
        page = self.login(self.page, "group-admin")
        page.goto("/orgs/people/")
        page.evaluate("window.fkNoReload = true")
        picker = page.get_by_test_id("unit-picker-unit")
        picker.locator("input:visible").fill("CT-JY")  # the code still finds it
        picker.locator("[data-fk-pick-value=CT-JY]").click()
        page.select_option("select[name=party]", "1")
        expect(page).to_have_url(re.compile(r"\?unit=CT-JY&party=1&"))
        filtered = Person.objects.filter(
            unit_path__startswith=Unit.objects.get(code="CT-JY").path,
            is_party_member=True,
            is_active=True,
        )
        expected = employee_numbers(filtered)
        self.assertIn("ID-TEST-1", expected)
        self.assertLess(len(expected), 50)  # one page
        expect(self.people_column(page)).to_have_text(expected)
        self.assertTrue(page.evaluate("window.fkNoReload"), "the page was reloaded")
        self.assertNotIn(KNOWN_ID, page.content())

        # A reload renders the same filtered page on the server.
        page.reload()
        expect(page.locator("input[name=unit]")).to_have_value("CT-JY")
        expect(picker.locator("input:visible")).to_have_value(
            Unit.objects.get(code="CT-JY").name
        )  # its name shown, not the code
        expect(page.locator("select[name=party]")).to_have_value("1")
        expect(self.people_column(page)).to_have_text(expected)

        # The known person: masked everywhere, the full number nowhere.
        page.get_by_role("link", name="测试脱敏").click()
        expect(page).to_have_url(re.compile(rf"/orgs/people/{self.known.pk}/$"))
        expect(page.get_by_test_id("id-masked")).to_have_text("1101**********002X")
        self.assertNotIn(KNOWN_ID, page.content())
        self.assertNotIn("19491231", page.content())
        page.goto(f"/orgs/people/{self.known.pk}/edit/")
        expect(page.locator("input[name=id_number]")).to_have_value("")
        self.assertNotIn("19491231", page.content())

        demo = filtered.exclude(pk=self.known.pk).first()
        page.goto(f"/orgs/people/{demo.pk}/")
        expect(page.get_by_test_id("id-masked")).to_have_text(re.compile(r"^6105\*{10}\d{3}[\dX]$"))

    # Regression: the htmx table partial is pushed under the page's own URL; without
    # `Vary: HX-Request` (and the full page on a history restore) Back showed the bare
    # partial when the page was not in the back/forward cache (always so in Playwright).
    def test_back_to_a_filtered_list_shows_the_whole_page(self):
        page = self.login(self.page, "group-admin")
        page.goto("/orgs/people/")
        page.select_option("select[name=party]", "1")
        expect(page).to_have_url(re.compile(r"\?unit=&party=1&"))
        page.locator("#people-table tbody a").first.click()
        expect(page.get_by_test_id("id-masked")).to_be_visible()
        page.go_back()
        self.assertEqual(urlsplit(page.url).query, "unit=&party=1&position=&q=")
        self.assertEqual(page.locator("nav.navbar").count(), 1, page.content()[:300])
        self.assertEqual(page.locator("select[name=party]").count(), 1)

    def test_bad_people_import_reports_rows_and_imports_nothing(self):
        page = self.login(self.page, "group-admin")
        page.get_by_test_id("nav-orgs").click()  # the "Units and people" dropdown
        page.click("a.dropdown-item[href='/orgs/transfer/']")
        form = page.locator("form[action='/orgs/transfer/people/import/']")
        expect(form).to_be_visible()
        result = page.locator("#people-result")
        before = (Person.objects.count(), FamilyMember.objects.count())
        page.evaluate("window.fkNoReload = true")

        bad = people_workbook(
            [
                [
                    "CT-JY-C01",
                    "IMP-001",
                    "张一",
                    "男",
                    "13800000001",
                    "",
                    "否",
                    "",
                    "李一/配偶/13900000001",
                ],
                ["NO-SUCH-UNIT", "IMP-002", "张二", "男", "13800000002", "", "否", "", ""],
                ["CT-JY-C02", "IMP-001", "张三", "女", "13800000003", "", "是", "", ""],
                ["CT-JY-C03", "IMP-004", "张四", "男", "12345", "", "否", "", ""],
                ["CT-JY-C04", "IMP-005", "张五", "女", "13800000005", "", "否", "", ""],
            ]
        )
        form.locator("input[type=file]").set_input_files(
            files=[{"name": "people.xlsx", "mimeType": XLSX, "buffer": bad}]
        )
        form.locator("button[type=submit]").click()
        with translation.override("zh-hans"):
            summary = ngettext(
                "%(n)s problem found; nothing was imported.",
                "%(n)s problems found; nothing was imported.",
                3,
            ) % {"n": 3}
        expect(result.get_by_test_id("import-errors")).to_have_text(summary)
        cells = result.locator("tbody tr")
        expect(cells).to_have_count(3)
        table = [row.locator("td").all_inner_texts() for row in cells.all()]
        self.assertEqual(
            table,
            [
                ["3", "单位编码", zh("Unknown unit code: %(code)s", code="NO-SUCH-UNIT")],
                [
                    "4",
                    "工号",
                    zh("Employee number %(no)s is already on row %(row)s.", no="IMP-001", row=2),
                ],
                [
                    "5",
                    "手机",
                    zh("Not a valid phone number (11-digit mobile or landline with area code)."),
                ],
            ],
        )
        self.assertEqual((Person.objects.count(), FamilyMember.objects.count()), before)
        self.assertFalse(Person.objects.filter(employee_no__startswith="IMP-").exists())
        self.assertTrue(page.evaluate("window.fkNoReload"), "the page was reloaded")

        form.locator("input[type=file]").set_input_files(
            files=[{"name": "people.xlsx", "mimeType": XLSX, "buffer": b"name,phone\nA,1\n"}]
        )
        form.locator("button[type=submit]").click()
        expect(result.locator("tbody tr td")).to_have_text(
            ["1", "—", zh("This is not an Excel file (.xlsx).")]
        )
        self.assertEqual((Person.objects.count(), FamilyMember.objects.count()), before)

    def test_switch_to_english_and_back(self):
        page = self.login(self.page, "office")
        html = page.locator("html")
        expect(html).to_have_attribute("lang", "zh-hans")
        expect(page.get_by_test_id("nav-orgs")).to_be_visible()

        page.click("[data-testid=user-menu]")
        page.get_by_role("button", name="English").click()
        expect(html).to_have_attribute("lang", "en")
        expect(page.get_by_test_id("nav-orgs")).to_have_text("Units and people")
        nav = page.locator("#nav a.dropdown-item")
        for label in ("Units", "People", "Import / export"):
            expect(nav.filter(has_text=label)).to_have_count(1)
        page.click("[data-testid=user-menu]")
        expect(page.get_by_test_id("logout")).to_have_text("Log out")

        # The choice belongs to the user, not to the browser: without the language
        # cookie (a zh-CN browser) the next page is still in English.
        page.context.clear_cookies(name="django_language")
        page.goto("/orgs/units/")
        expect(html).to_have_attribute("lang", "en")
        expect(page.locator("h1")).to_have_text("Units")

        page.click("[data-testid=user-menu]")
        page.get_by_role("button", name="简体中文").click()
        expect(html).to_have_attribute("lang", "zh-hans")

    def test_phone_navbar_collapses(self):
        page = self.login(
            self.new_page(viewport=PHONE, is_mobile=True, has_touch=True), "heat-liaison"
        )
        toggler = page.locator(".navbar-toggler")
        people = page.locator("a.dropdown-item[href='/orgs/people/']")
        expect(toggler).to_be_visible()
        expect(people).to_be_hidden()
        self.assertLessEqual(page.evaluate("document.documentElement.scrollWidth"), PHONE["width"])

        toggler.click()
        expect(page.locator("#nav")).to_be_visible()
        expect(toggler).to_have_attribute("aria-expanded", "true")
        # Bootstrap's slide-down must be over: a tap during the animation (a loaded
        # machine) can land on the moving menu and open nothing.
        expect(page.locator("#nav.collapsing")).to_have_count(0)
        expect(page.locator("#nav.show")).to_have_count(1)
        page.get_by_test_id("nav-orgs").click()
        people.click()
        expect(page).to_have_url(re.compile(r"/orgs/people/$"))
        expect(self.people_column(page)).not_to_have_count(0)
        expect(people).to_be_hidden()  # collapsed again on the new page
        self.assertLessEqual(page.evaluate("document.documentElement.scrollWidth"), PHONE["width"])
