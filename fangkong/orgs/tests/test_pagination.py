"""Every paginated list of the API answers the one shape of core.pagination.Page."""

from django.test import TestCase

from fangkong.core.testing import api_document
from fangkong.orgs.testing import ProvinceMixin

LISTS = [
    "/api/v1/people",
    "/api/v1/accountability",
    "/api/v1/incidents",
    "/api/v1/health-cases",
    "/api/v1/checkins?unit=a-site-1",
    "/api/v1/observations",
    "/api/v1/trips",
]
KEYS = {"count", "page", "pages", "page_size", "items"}


class PageShapeTests(ProvinceMixin, TestCase):
    def test_every_list_has_the_same_page_keys(self):
        self.login(self.t.root)
        for url in LISTS:
            with self.subTest(url=url):
                sep = "&" if "?" in url else "?"
                response = self.client.get(f"{url}{sep}page=9&page_size=2")
                self.assertEqual(response.status_code, 200, response.content)
                body = response.json()
                self.assertLessEqual(KEYS, set(body))
                self.assertEqual(body["page_size"], 2)
                self.assertGreaterEqual(body["pages"], 1)
                self.assertLessEqual(body["page"], body["pages"])  # past the end: the last
                self.assertIsInstance(body["items"], list)

    def test_the_openapi_names_one_page_schema(self):
        schema = api_document(self.client)
        pages = [n for n in schema["components"]["schemas"] if n.startswith("Page")]
        self.assertTrue(pages)
        for name in pages:
            props = set(schema["components"]["schemas"][name]["properties"])
            self.assertLessEqual(KEYS, props, name)

    def test_page_size_is_bounded(self):
        self.login(self.t.root)
        response = self.client.get("/api/v1/people?page_size=100000")
        self.assertEqual(response.status_code, 422)
        self.assertEqual(response.json()["code"], "invalid")
