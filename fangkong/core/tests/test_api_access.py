"""API tokens and the API's documentation are for the users given API access (system and
unit admins: CorePerm.USE_API), not in every liaison's menu (issue 11)."""

from django.test import TestCase
from django.urls import reverse

from fangkong.core.auth import create_token
from fangkong.orgs.testing import PASSWORD, ProvinceMixin


class ApiAccessTests(ProvinceMixin, TestCase):
    def test_a_liaison_has_no_token_page_no_docs_and_no_menu_entry(self):
        self.client.force_login(self.t.bob)
        self.assertEqual(self.client.get(reverse("core:tokens")).status_code, 404)
        self.assertEqual(self.client.get("/api/v1/docs").status_code, 404)
        self.assertEqual(self.client.get("/api/v1/openapi.json").status_code, 404)
        home = self.client.get(reverse("home"))
        self.assertNotContains(home, reverse("core:tokens"))
        self.assertNotContains(home, "/api/v1/docs")

    def test_a_unit_admin_has_them(self):
        self.client.force_login(self.t.alice)
        self.assertEqual(self.client.get(reverse("core:tokens")).status_code, 200)
        self.assertEqual(self.client.get("/api/v1/docs").status_code, 200)
        self.assertContains(self.client.get(reverse("home")), reverse("core:tokens"))

    def test_a_token_of_a_user_with_access_reads_the_document(self):
        _token, raw = create_token(self.t.alice, "ci")
        response = self.client.get(
            "/api/v1/openapi.json", headers={"Authorization": f"Bearer {raw}"}
        )
        self.assertEqual(response.status_code, 200)
        self.assertIn("paths", response.json())

    def test_the_token_endpoint_refuses_users_without_access(self):
        body = {"username": "bob", "password": PASSWORD}
        response = self.client.post("/api/v1/auth/token", body, content_type="application/json")
        self.assertEqual(response.status_code, 403)
        self.assertEqual(response.json()["code"], "no_api_access")
        body["username"] = "alice"
        response = self.client.post("/api/v1/auth/token", body, content_type="application/json")
        self.assertEqual(response.status_code, 200)


class AdminBrandTests(ProvinceMixin, TestCase):
    def test_the_admin_is_fangkongs_system_administration(self):
        self.client.force_login(self.t.root)
        page = self.client.get("/admin/")
        self.assertContains(page, "防控指挥平台 · 系统管理")
        self.assertContains(page, "<h1>系统管理</h1>", html=False)
