import json

from django.test import TestCase, override_settings

from fangkong.core.auth import create_token
from fangkong.core.models import AccessLog, ApiToken, LoginFailure
from fangkong.core.testing import api_document
from fangkong.orgs.models import Person, Unit
from fangkong.orgs.testing import PASSWORD, ProvinceMixin


class ApiTestBase(ProvinceMixin, TestCase):
    def token_for(self, user):
        # A script's token of any role (the endpoint itself serves API users only: below).
        return create_token(user, "test")[1]

    def api(self, method, url, user, data=None):
        headers = {"Authorization": f"Bearer {self.token_for(user)}"}
        kwargs = {"headers": headers}
        if data is not None:
            kwargs.update(data=json.dumps(data), content_type="application/json")
        return getattr(self.client, method)(f"/api/v1{url}", **kwargs)


class AuthApiTests(ApiTestBase):
    def test_token_roundtrip_and_revocation(self):
        token = self.token_for(self.t.bob)
        ok = self.client.get("/api/v1/units", headers={"Authorization": f"Bearer {token}"})
        self.assertEqual([u["code"] for u in ok.json()], ["a-site-1"])
        ApiToken.objects.filter(user=self.t.bob).update(revoked_at="2020-01-01T00:00Z")
        denied = self.client.get("/api/v1/units", headers={"Authorization": f"Bearer {token}"})
        self.assertEqual(denied.status_code, 401)
        self.assertEqual(denied.json()["code"], "unauthorized")

    def test_no_credentials(self):
        response = self.client.get("/api/v1/units")
        self.assertEqual(response.status_code, 401)
        self.assertEqual(response.json()["code"], "unauthorized")

    def test_wrong_password_then_lockout(self):
        for _ in range(5):
            bad = self.client.post(
                "/api/v1/auth/token",
                {"username": "bob", "password": "x"},
                content_type="application/json",
            )
            self.assertEqual(bad.status_code, 401)
            self.assertEqual(bad.json()["code"], "bad_credentials")
        locked = self.client.post(
            "/api/v1/auth/token",
            {"username": "bob", "password": PASSWORD},
            content_type="application/json",
        )
        self.assertEqual(locked.status_code, 429)
        self.assertEqual(locked.json()["code"], "locked_out")
        self.assertEqual(LoginFailure.objects.filter(username="bob").count(), 5)

    def test_session_auth_works_for_the_ui(self):
        self.client.force_login(self.t.alice)
        self.assertEqual(self.client.get("/api/v1/units/a-sub").status_code, 200)

    def test_openapi_schema(self):
        schema = api_document(self.client)
        for path in (
            "/api/v1/auth/token",
            "/api/v1/units",
            "/api/v1/units/{code}",
            "/api/v1/units/{code}/children",
            "/api/v1/people",
            "/api/v1/people/{person_id}",
        ):
            self.assertIn(path, schema["paths"])

    def test_error_messages_follow_the_language(self):
        zh = self.client.get("/api/v1/units", headers={"Accept-Language": "zh-hans"}).json()
        en = self.client.get("/api/v1/units", headers={"Accept-Language": "en"}).json()
        self.assertEqual(en["message"], "Log in or send a valid API token.")
        self.assertEqual(zh["code"], en["code"])


class UnitApiTests(ApiTestBase):
    def test_scoped_listing_and_search(self):
        codes = [u["code"] for u in self.api("get", "/units", self.t.alice).json()]
        self.assertEqual(set(codes), {"group-a", "a-hq", "a-sub", "a-site-1", "a-site-2"})
        found = self.api("get", "/units?q=site-2", self.t.alice).json()
        self.assertEqual([u["code"] for u in found], ["a-site-2"])
        window = self.api("get", "/units?limit=2&offset=1", self.t.alice)
        # The second and third of the same order. (Tree order is by path, whose segments
        # are ids as text: siblings created as ids 9 and 10 list 10 first, so the literal
        # order of a-hq and a-sub depends on where the database's sequence stands.)
        self.assertEqual([u["code"] for u in window.json()], codes[1:3])
        self.assertEqual(window["X-Total-Count"], "5")
        children = self.api("get", "/units?parent=a-sub", self.t.alice).json()
        self.assertEqual({u["code"] for u in children}, {"a-site-1", "a-site-2"})

    def test_outsider_gets_404_everywhere(self):
        for url in (
            "/units/a-sub",
            "/units/a-sub/children",
            "/units?parent=a-sub",
            f"/people/{self.t.p_hq.pk}",
            "/people?unit=group-a",
        ):
            response = self.api("get", url, self.t.charlie)
            self.assertEqual(response.status_code, 404, url)
            self.assertEqual(response.json()["code"], "not_found")
        response = self.api("patch", "/units/a-sub", self.t.charlie, {"name": "x"})
        self.assertEqual(response.status_code, 404)
        response = self.api("patch", f"/people/{self.t.p_hq.pk}", self.t.charlie, {"name": "x"})
        self.assertEqual(response.status_code, 404)
        self.assertEqual(Unit.objects.get(code="a-sub").name, "Unit a-sub")

    def test_unit_detail_and_children(self):
        detail = self.api("get", "/units/a-sub", self.t.bob)
        self.assertEqual(detail.status_code, 404)  # bob only has his site
        detail = self.api("get", "/units/a-site-1", self.t.bob).json()
        self.assertEqual(detail["parent"], "a-sub")
        self.assertEqual(detail["kind"], "site")
        self.assertEqual(detail["site_kind"], "heat_station")

    def test_create_update_move(self):
        created = self.api(
            "post",
            "/units",
            self.t.alice,
            {
                "code": "a-new",
                "name": "新站",
                "kind": "site",
                "parent": "a-sub",
                "site_kind": "checkpoint",
                "is_key_unit": True,
            },
        )
        self.assertEqual(created.status_code, 201, created.content)
        self.assertEqual(created.json()["parent"], "a-sub")
        patched = self.api(
            "patch", "/units/a-new", self.t.alice, {"name": "改名", "liaison": self.t.p_site_1.pk}
        )
        self.assertEqual(patched.status_code, 200, patched.content)
        self.assertEqual(patched.json()["liaison"]["name"], "Person A002")
        moved = self.api("post", "/units/a-new/move", self.t.alice, {"parent": "a-hq"})
        self.assertEqual(moved.json()["parent"], "a-hq")

    def test_create_errors_name_fields(self):
        response = self.api(
            "post",
            "/units",
            self.t.alice,
            {"code": "a-hq", "name": "", "kind": "nonsense", "parent": "a-sub"},
        )
        self.assertEqual(response.status_code, 400)
        body = response.json()
        self.assertEqual(body["code"], "invalid")
        self.assertEqual(set(body["fields"]), {"code", "name", "kind"})
        missing = self.api("post", "/units", self.t.alice, {"code": "x"})
        self.assertEqual(missing.status_code, 422)
        self.assertIn("name", missing.json()["fields"])
        unknown = self.api(
            "post",
            "/units",
            self.t.alice,
            {"code": "x", "name": "x", "kind": "site", "parent": "b-sub"},
        )
        self.assertEqual(unknown.status_code, 400)
        self.assertEqual(unknown.json()["code"], "unknown_unit")
        self.assertIn("parent", unknown.json()["fields"])

    def test_move_cycle_and_out_of_scope_parent(self):
        cycle = self.api("post", "/units/a-sub/move", self.t.alice, {"parent": "a-site-1"})
        self.assertEqual(cycle.status_code, 400)
        self.assertEqual(cycle.json()["code"], "cycle")
        outside = self.api("post", "/units/a-sub/move", self.t.alice, {"parent": "group-b"})
        self.assertEqual(outside.status_code, 400)
        self.assertIn("parent", outside.json()["fields"])

    def test_liaison_may_view_but_not_change_units(self):
        response = self.api("patch", "/units/a-site-1", self.t.bob, {"name": "x"})
        self.assertEqual(response.status_code, 403)
        self.assertEqual(response.json()["code"], "forbidden")


class PeopleApiTests(ApiTestBase):
    def test_list_is_scoped_and_paginated(self):
        body = self.api("get", "/people?page_size=2", self.t.alice).json()
        self.assertEqual(body["count"], 3)
        self.assertEqual(len(body["items"]), 2)
        page2 = self.api("get", "/people?page_size=2&page=2", self.t.alice).json()
        self.assertEqual(len(page2["items"]), 1)
        party = self.api("get", "/people?party=true", self.t.alice).json()
        self.assertEqual([p["employee_no"] for p in party["items"]], ["A001"])
        sub = self.api("get", "/people?unit=a-sub&position=站长", self.t.alice).json()
        self.assertEqual([p["employee_no"] for p in sub["items"]], ["A003"])
        self.assertEqual(self.api("get", "/people", self.t.bob).json()["count"], 1)

    def test_detail_is_masked_and_logged(self):
        response = self.api("get", f"/people/{self.t.p_site_1.pk}", self.t.bob)
        body = response.json()
        self.assertEqual(body["id_number"], "1101**********002X")
        self.assertNotIn("11010519491231002X", response.content.decode())
        self.assertEqual(body["family"][0]["relation"], "配偶")
        log = AccessLog.objects.filter(
            object_type="person", object_id=str(self.t.p_site_1.pk)
        ).get()
        self.assertEqual(log.username, "bob")
        self.assertEqual(log.ip, "127.0.0.1")

    def test_create_and_patch(self):
        created = self.api(
            "post",
            "/people",
            self.t.bob,
            {
                "unit": "a-site-1",
                "employee_no": "A100",
                "name": "新人",
                "phone": "13912345678",
                "id_number": "11010519491231002X",
                "family": [{"name": "家属", "relation": "子女"}],
            },
        )
        self.assertEqual(created.status_code, 201, created.content)
        person_id = created.json()["id"]
        patched = self.api(
            "patch",
            f"/people/{person_id}",
            self.t.bob,
            {"position": "值班员", "is_party_member": True},
        )
        self.assertEqual(patched.json()["position"], "值班员")
        self.assertTrue(patched.json()["is_party_member"])
        self.assertEqual(
            patched.json()["family"], [{"name": "家属", "relation": "子女", "phone": ""}]
        )

    def test_bad_person_input_names_fields(self):
        response = self.api(
            "post",
            "/people",
            self.t.alice,
            {
                "unit": "a-hq",
                "employee_no": "A001",
                "name": "x",
                "phone": "123",
                "id_number": "110105194912310021",
                "family": [{"name": "", "relation": ""}],
            },
        )
        self.assertEqual(response.status_code, 400)
        self.assertEqual(
            set(response.json()["fields"]), {"employee_no", "phone", "id_number", "family"}
        )
        self.assertFalse(Person.objects.filter(name="x").exists())
        unknown = self.api(
            "post", "/people", self.t.alice, {"unit": "nope", "employee_no": "Z", "name": "z"}
        )
        self.assertEqual(unknown.status_code, 400)
        self.assertIn("unit", unknown.json()["fields"])
        invalid_json = self.client.post(
            "/api/v1/people",
            data="{",
            content_type="application/json",
            headers={"Authorization": f"Bearer {self.token_for(self.t.alice)}"},
        )
        self.assertLess(invalid_json.status_code, 500)

    def test_move_person_out_of_scope_is_refused(self):
        response = self.api("patch", f"/people/{self.t.p_hq.pk}", self.t.alice, {"unit": "b-sub"})
        self.assertEqual(response.status_code, 400)
        self.assertIn("unit", response.json()["fields"])

    @override_settings(LANGUAGE_CODE="en")
    def test_viewer_cannot_write_people(self):
        from fangkong.orgs.choices import Role
        from fangkong.orgs.testing import grant, make_user

        viewer = make_user("vera")
        grant(viewer, self.t.group_a, Role.VIEWER)
        response = self.api(
            "post", "/people", viewer, {"unit": "a-hq", "employee_no": "V1", "name": "v"}
        )
        self.assertEqual(response.status_code, 403)


class ProxyTests(ApiTestBase):
    def test_forwarded_for_is_ignored_unless_behind_a_proxy(self):
        headers = {"X-Forwarded-For": "6.6.6.6"}
        self.client.force_login(self.t.alice)
        self.client.get(f"/api/v1/people/{self.t.p_hq.pk}", headers=headers)
        with self.settings(BEHIND_PROXY=True):
            self.client.get(f"/api/v1/people/{self.t.p_hq.pk}", headers=headers)
        self.assertEqual(
            list(
                AccessLog.objects.filter(object_type="person")
                .order_by("id")
                .values_list("ip", flat=True)
            ),
            ["127.0.0.1", "6.6.6.6"],
        )
