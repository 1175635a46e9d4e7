"""End-to-end: the main pages under the Content-Security-Policy (issue 10) in headless
Chromium. BrowserTestCase fails a test on anything the policy blocks (Chromium reports
each blocked script, style or handler on the console); these tests open the pages that
had inline scripts and styles and check that what they did still works."""

from django.contrib.auth import get_user_model

from fangkong.core.browser import PHONE, BrowserTestCase
from fangkong.health.services import checkins as checkin_services
from fangkong.orgs.demo import DEMO_PASSWORD
from fangkong.orgs.models import Person
from fangkong.orgs.testing import seed_demo_once


def expect(*args, **kwargs):
    from playwright.sync_api import expect as expect_

    return expect_(*args, **kwargs)


class ContentSecurityPolicyBrowserTests(BrowserTestCase):
    @classmethod
    def setUpClassData(cls):
        seed_demo_once()

    def no_style_elements(self, page):
        # htmx adds its indicator rules as a <style> unless told not to (base.html).
        self.assertEqual(page.evaluate("document.querySelectorAll('style').length"), 0)

    def test_the_main_pages_load_with_nothing_blocked(self):
        page = self.login(self.page, "office", DEMO_PASSWORD)
        for url in (
            "/",
            "/incidents/",
            "/duty/",
            "/duty/now/",
            "/duty/rooms/CT/",
            "/health/checkins/?unit=CT-HEAT",
            "/health/trips/returns/",
            "/notify/inbox/",
        ):
            response = page.goto(url)
            self.assertEqual(response.status, 200, url)
            self.assertIn("script-src 'self'", response.headers["content-security-policy"])
            page.wait_for_load_state("networkidle")
            self.no_style_elements(page)

    def test_the_overview_chart_draws_with_its_tooltip_and_switches_figures(self):
        page = self.login(self.page, "office", DEMO_PASSWORD)
        page.goto("/reports/overview/?form=daily&unit=CT")
        chart = page.get_by_test_id("trend")
        canvas = chart.locator("canvas")
        expect(canvas).to_have_count(1)
        self.assertGreater(canvas.bounding_box()["height"], 200)  # .fk-chart's height
        chart.scroll_into_view_if_needed()
        box = chart.bounding_box()
        page.mouse.move(box["x"] + box["width"] * 0.6, box["y"] + box["height"] * 0.5)
        page.wait_for_timeout(300)  # the tooltip (drawn on the canvas: richText)
        with page.expect_response(lambda r: "/reports/overview/trend/" in r.url) as series:
            page.select_option("#trend-series", index=1)
        self.assertEqual(series.value.status, 200)
        page.wait_for_timeout(300)
        self.no_style_elements(page)

    def test_the_day_picker_of_the_checkin_overview_submits_itself(self):
        page = self.login(self.page, "office", DEMO_PASSWORD)
        page.goto("/health/checkins/?unit=CT-HEAT")
        with page.expect_navigation():
            page.fill("input[name=day]", "2020-01-02")  # data-fk-autosubmit (app.js)
        self.assertIn("day=2020-01-02", page.url)

    def test_the_personal_checkin_page_is_styled_on_a_phone(self):
        admin = get_user_model().objects.get(username="admin")
        person = Person.objects.filter(unit__code="CT-HEAT-S01").first()
        link = checkin_services.issue_links(actor=admin, people=[person])[0]
        phone = self.new_page(viewport=PHONE)
        phone.goto(f"/health/c/{checkin_services.link_token(link)}/")
        submit = phone.get_by_test_id("submit")
        expect(submit).to_be_visible()
        # health/self_checkin.css: the full-width red button.
        self.assertEqual(
            submit.evaluate("b => getComputedStyle(b).backgroundColor"), "rgb(176, 42, 55)"
        )
        self.no_style_elements(phone)
