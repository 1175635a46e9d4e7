"""The liaison's grid in the browser (issue 9, item 7, 虚报): nothing prefilled, one row
measured, one vouched for, the person's own check-in left alone; on a desktop and a phone.
Builds its own data (no demo, no dependence on the date)."""

import os

from fangkong.core.browser import BrowserTestCase
from fangkong.health.models import CheckIn
from fangkong.health.services import checkins as services
from fangkong.orgs import services as orgs
from fangkong.orgs.choices import UnitKind
from fangkong.orgs.testing import PASSWORD, make_province

SHOTS = os.environ.get("FANGKONG_SCREENSHOTS", "")  # a folder: save screenshots there


def expect(*args, **kwargs):
    from playwright.sync_api import expect as expect_

    return expect_(*args, **kwargs)


class GridBrowserTests(BrowserTestCase):
    def setUp(self):
        super().setUp()
        self.t = t = make_province()
        self.site = orgs.create_unit(
            actor=t.root, parent=t.a_sub, code="a-gate", name="东门岗", kind=UnitKind.SITE
        )
        self.people = [
            orgs.create_person(actor=t.root, unit=self.site, employee_no=f"G{i}", name=name)
            for i, name in enumerate(["张伟", "李娜", "王强"])
        ]
        link = services.issue_links(actor=t.root, people=[self.people[2]])[0]
        services.check_in_self(link=link, raw={"temperature": "36.6"})

    def shoot(self, page, name):
        if SHOTS:
            page.screenshot(path=os.path.join(SHOTS, name), full_page=True)

    def test_measured_vouched_and_own_rows(self):
        a, b, c = self.people
        page = self.login(self.new_page(viewport={"width": 1366, "height": 900}), "alice", PASSWORD)
        page.goto("/health/checkins/a-gate/grid/")
        grid = page.get_by_test_id("grid")
        expect(grid.locator(f"input[name=t_{a.pk}]")).to_have_value("")
        expect(grid.locator(f"input[name=t_{c.pk}]")).to_have_value("36.6")
        expect(grid.get_by_test_id("own")).to_have_count(1)
        self.shoot(page, "grid-desktop.png")
        page.fill(f"input[name=t_{a.pk}]", "36.8")
        grid.locator("tr[data-person=G1]").get_by_test_id("vouch").check()
        page.get_by_test_id("save-grid").click()
        expect(page.locator(".alert-success, .alert-info").first).to_be_visible()
        saved = {x.person_id: x for x in CheckIn.objects.select_related("vouched_by")}
        self.assertEqual(str(saved[a.pk].temperature), "36.8")
        self.assertEqual((saved[b.pk].temperature, saved[b.pk].vouched_by), (None, self.t.alice))
        self.assertEqual((saved[c.pk].source, saved[c.pk].revision_count), ("link", 1))
        expect(page.get_by_test_id("vouched")).to_have_count(1)
        expect(page.get_by_test_id("proxy")).to_have_count(1)

        phone = self.login(self.new_page(viewport={"width": 390, "height": 844}), "alice", PASSWORD)
        phone.goto("/health/checkins/a-gate/grid/")
        expect(phone.get_by_test_id("vouch-blank")).to_be_visible()
        self.shoot(phone, "grid-phone.png")
