"""Phone-first lists (issue 11): at 390 px every list page shows its rows as cards, and no
table cell anywhere is narrower than two characters (the squeezed one-character-a-line
columns a new user saw)."""

from django.utils import timezone

from fangkong.core.browser import BrowserTestCase
from fangkong.orgs.demo import DEMO_PASSWORD
from fangkong.orgs.testing import seed_demo_once

PHONE = {"width": 390, "height": 844}
# (user, page) — every list of the product, as the user who works with it.
PAGES = [
    ("office", "/reports/overview/?form=daily&unit=CT"),
    ("office", "/reports/matrix/?form=daily&unit=CT"),
    ("heat-liaison", "/reports/"),
    ("office", "/incidents/?state=all"),
    ("office", "/health/checkins/?unit=CT&tab=missing"),
    ("office", "/health/cases/?state=all"),
    ("office", "/health/observations/"),
    ("office", "/health/trips/"),
    ("office", "/duty/"),
    ("office", "/duty/now/"),
    ("office", "/accountability/"),
    ("office", "/orgs/people/?unit=CT"),
    ("office", "/orgs/units/"),
    ("admin", "/me/access-log/"),
    ("admin", "/notify/log/"),
    ("heat-liaison", "/health/checkins/CT-HEAT-S01/grid/"),
]

NARROW_CELLS = """() => {
  const narrow = [];
  for (const cell of document.querySelectorAll("td, th")) {
    const box = cell.getBoundingClientRect();
    if (!box.width || getComputedStyle(cell).display === "none") continue;
    const em = parseFloat(getComputedStyle(cell).fontSize);
    if (box.width < 2 * em) narrow.push(`${cell.tagName} ${Math.round(box.width)}px: ${cell.textContent.trim().slice(0, 20)}`);
  }
  return narrow;
}"""


class PhoneListTests(BrowserTestCase):
    @classmethod
    def setUpClassData(cls):
        seed_demo_once()
        cls.today = timezone.localdate()

    def test_no_cell_of_a_list_page_is_narrower_than_two_characters_on_a_phone(self):
        pages = {}
        for user, url in PAGES:
            if user not in pages:
                pages[user] = self.login(self.new_page(viewport=PHONE), user, DEMO_PASSWORD)
            page = pages[user]
            with self.subTest(url=url):
                response = page.goto(url)
                self.assertEqual(response.status, 200, url)
                page.wait_for_load_state("networkidle")
                self.assertEqual(page.evaluate(NARROW_CELLS), [], url)

    def test_a_list_shows_cards_with_labelled_figures_on_a_phone(self):
        page = self.login(self.new_page(viewport=PHONE), "office", DEMO_PASSWORD)
        page.goto("/incidents/?state=all")
        table = page.get_by_test_id("incidents")
        self.assertEqual(
            table.locator("thead").evaluate("e => getComputedStyle(e).display"), "none"
        )
        cell = table.locator("tbody tr td").nth(1)
        self.assertTrue(cell.get_attribute("data-label"))
