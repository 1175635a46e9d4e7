"""End-to-end (issue 13): a unit admin forms a team on the page with the person picker,
sends it to the sites below a subsidiary (shared out), and sees who is where today; the
site's liaison sees the member serving there on a phone, as cards."""

from fangkong.core.browser import BrowserTestCase
from fangkong.orgs.testing import PASSWORD, make_province
from fangkong.teams.models import Deployment, Team

PHONE = {"width": 390, "height": 844}


def expect(*args, **kwargs):
    from playwright.sync_api import expect as expect_

    return expect_(*args, **kwargs)


class TeamBrowserTests(BrowserTestCase):
    @classmethod
    def setUpClassData(cls):
        t = make_province()
        cls.names = {p.employee_no: p.name for p in (t.p_site_1, t.p_site_2)}

    def test_form_a_team_send_it_out_and_see_who_is_where(self):
        page = self.login(self.page, "alice", PASSWORD)
        page.goto("/teams/")
        page.get_by_test_id("new-team").click()
        page.get_by_test_id("name").fill("青年突击队")
        page.select_option("#id_kind", "vanguard")
        for field, number in (("leader", "A002"), ("members", "A003")):
            box = page.get_by_test_id(f"person-picker-{field}")
            box.locator("input:visible").fill(number)
            option = box.locator(f"[data-fk-pick-value='{number}']")
            expect(option).to_be_visible()
            option.click()
        page.get_by_test_id("save-team").click()
        expect(page.get_by_test_id("member-count")).to_have_text("2")
        team = Team.objects.get(name="青年突击队")

        page.get_by_test_id("deploy").click()
        unit_box = page.get_by_test_id("unit-picker-unit")
        unit_box.locator("input:visible").fill("a-sub")
        option = unit_box.locator("[data-fk-pick-value=a-sub]")
        expect(option).to_be_visible()
        option.click()
        page.get_by_test_id("spread").select_option("all")
        page.get_by_test_id("save-deployment").click()
        expect(page.locator(".alert-success")).to_be_visible()
        self.assertEqual(
            sorted(Deployment.objects.filter(team=team).values_list("unit__code", flat=True)),
            ["a-site-1", "a-site-2"],
        )
        expect(page.get_by_test_id("hours").locator("tbody tr")).to_have_count(2)

        phone = self.login(self.new_page(viewport=PHONE), "bob", PASSWORD)
        phone.goto("/teams/today/?unit=a-site-1")
        expect(phone.get_by_test_id("people-total")).to_have_text("1")
        cell = phone.locator("tr[data-unit=a-site-1] [data-testid=post-people]")
        expect(cell).to_have_text(self.names["A002"])
        box = cell.bounding_box()
        self.assertLessEqual(box["x"] + box["width"], 390)  # a card, not a squeezed table
