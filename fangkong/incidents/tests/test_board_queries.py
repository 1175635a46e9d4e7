"""Issue 10, part 2: the incidents list cost one query per incident (`target_unit`); and
`/favicon.ico` was a 404 on every page."""

from datetime import UTC, datetime, timedelta

from django.db import connection
from django.test import TestCase
from django.test.utils import CaptureQueriesContext

from fangkong.incidents import services
from fangkong.orgs.testing import ProvinceMixin

FOUND = datetime(2020, 2, 3, 2, 0, tzinfo=UTC)


class BoardQueryTests(ProvinceMixin, TestCase):
    def file(self, n):
        for i in range(n):
            services.file_incident(
                actor=self.t.bob,
                unit=self.t.a_site_1,
                kind="suspected",
                title=f"Case {i}",
                discovered_at=FOUND,
                now=FOUND + timedelta(minutes=5),
            )

    def count(self, url):
        with CaptureQueriesContext(connection) as queries:
            self.assertEqual(self.client.get(url).status_code, 200)
        return len(queries.captured_queries)

    def test_the_list_costs_the_same_for_one_incident_or_five(self):
        self.client.force_login(self.t.alice)
        self.file(1)
        one = {url: self.count(url) for url in ("/api/v1/incidents", "/incidents/")}
        self.file(4)
        five = {url: self.count(url) for url in ("/api/v1/incidents", "/incidents/")}
        self.assertEqual(one, five)

    def test_the_favicon_is_found(self):
        response = self.client.get("/favicon.ico")
        self.assertEqual(response.status_code, 301)
        self.assertTrue(response["Location"].endswith("fangkong/favicon.svg"))
