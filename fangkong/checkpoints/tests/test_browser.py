"""End-to-end (issue 13): the liaison of a heat station enters the morning shift's counts
of its gate on a phone, with a visitor's fever and a staff member's fever found; the
visitor's opens an incident of kind fever (its clock running), the staff member's a health
case; the vanguard member deployed to the site shows on the shift. The list is cards on
the phone."""

from fangkong.checkpoints.models import Shift
from fangkong.checkpoints.testing import make_checkpoint
from fangkong.core.browser import BrowserTestCase
from fangkong.health.models import HealthCase
from fangkong.incidents.models import Incident
from fangkong.orgs.testing import PASSWORD, make_province
from fangkong.teams.choices import Task
from fangkong.teams.services import deploy
from fangkong.teams.testing import make_team

PHONE = {"width": 390, "height": 844}


def expect(*args, **kwargs):
    from playwright.sync_api import expect as expect_

    return expect_(*args, **kwargs)


class CheckpointBrowserTests(BrowserTestCase):
    @classmethod
    def setUpClassData(cls):
        t = make_province()
        make_checkpoint(t)
        today = t.a_site_1.local_date()
        team = make_team(t)
        deploy(
            actor=t.alice, team=team, unit=t.a_site_1, task=Task.TEMPERATURE,
            starts_on=today, ends_on=today, people=[t.p_site_2],
        )  # fmt: skip
        cls.today = today.isoformat()
        cls.deployed_name = t.p_site_2.name
        cls.staff_name = t.p_site_1.name

    def shot_path(self, name):
        import os
        import tempfile

        folder = os.environ.get("FANGKONG_SHOTS") or tempfile.gettempdir()
        return os.path.join(folder, f"{name}.png")

    def test_counts_on_a_phone_with_fevers_found(self):
        page = self.login(self.new_page(viewport=PHONE), "bob", PASSWORD)
        page.goto(f"/checkpoints/CK-1/?day={self.today}&shift=morning")
        expect(page.get_by_test_id("deployed")).to_contain_text(self.deployed_name)
        page.get_by_test_id("checked").fill("１２")  # the phone's full-width digits
        page.get_by_test_id("staff").fill("5")
        page.get_by_test_id("residents").fill("6")
        page.get_by_test_id("visitors").fill("1")
        page.get_by_test_id("fevers").fill("2")
        page.get_by_test_id("passer-0").select_option("visitor")
        page.get_by_test_id("temperature-0").fill("38.4")
        page.get_by_test_id("name-0").fill("李某")
        page.get_by_test_id("passer-1").select_option("staff")
        page.get_by_test_id("temperature-1").fill("38.9")
        people_box = page.get_by_test_id("person-picker-found-1-person")
        people_box.locator("input:visible").fill("A002")
        picked = people_box.locator("[data-fk-pick-value='A002']")
        expect(picked).to_be_visible()
        picked.click()
        page.screenshot(path=self.shot_path("checkpoint-counts-phone"), full_page=True)
        page.get_by_test_id("save-counts").click()
        expect(page.locator(".alert-success")).to_be_visible()
        expect(page.get_by_test_id("incident-link")).to_be_visible()
        expect(page.get_by_test_id("case-link")).to_be_visible()
        shift = Shift.objects.get()
        self.assertEqual((shift.checked, shift.fevers), (12, 2))
        incident = Incident.objects.get()
        self.assertEqual((incident.kind, incident.unit.code), ("fever", "a-site-1"))
        self.assertEqual(HealthCase.objects.get().person.name, self.staff_name)
        page.screenshot(path=self.shot_path("checkpoint-saved-phone"), full_page=True)

        page.get_by_test_id("incident-link").click()
        expect(page.locator("h1")).to_contain_text("李某")

        page.goto(f"/checkpoints/?unit=a-site-1&day={self.today}")
        expect(page.get_by_test_id("total-fevers")).to_have_text("2")
        cell = page.locator("tr[data-checkpoint=CK-1] [data-testid=row-checked]")
        box = cell.bounding_box()
        self.assertLessEqual(box["x"] + box["width"], 390)  # a card, not a squeezed table
