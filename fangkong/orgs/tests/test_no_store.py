"""Personal data is never kept by a browser or a proxy (issue 10: no `Cache-Control:
no-store` on personal-data pages and API answers)."""

from django.test import TestCase
from django.urls import reverse

from fangkong.orgs.testing import ProvinceMixin


class NoStoreTests(ProvinceMixin, TestCase):
    def assert_no_store(self, response):
        self.assertIn("no-store", response.headers.get("Cache-Control", ""), response.headers)

    def test_pages_of_a_signed_in_user_and_api_answers_are_not_kept(self):
        t = self.t
        self.client.force_login(t.alice)
        self.assert_no_store(self.client.get(reverse("orgs:person_detail", args=[t.p_hq.pk])))
        self.assert_no_store(self.client.get("/api/v1/people?unit=group-a"))
        self.client.logout()
        self.assert_no_store(self.client.get("/api/v1/people"))  # 401 too
        self.assert_no_store(self.client.get("/health/c/not-a-token/"))
