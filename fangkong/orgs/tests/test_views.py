from django.test import TestCase, override_settings
from django.urls import reverse

from fangkong.core.models import AccessLog, ApiToken, UserProfile
from fangkong.orgs.models import Person, Unit
from fangkong.orgs.testing import PASSWORD, ProvinceMixin


class PageScopeTests(ProvinceMixin, TestCase):
    def pages_about(self, unit, person):
        return [
            reverse("orgs:unit_detail", args=[unit.code]),
            reverse("orgs:unit_children", args=[unit.code]),
            reverse("orgs:unit_edit", args=[unit.code]),
            reverse("orgs:unit_add_child", args=[unit.code]),
            reverse("orgs:person_add", args=[unit.code]),
            reverse("orgs:person_detail", args=[person.pk]),
            reverse("orgs:person_edit", args=[person.pk]),
            reverse("orgs:people_list") + f"?unit={unit.code}",
            reverse("orgs:export_download", args=["people"]) + f"?unit={unit.code}",
            reverse("orgs:export_download", args=["units"]) + f"?unit={unit.code}",
        ]

    def test_outsider_gets_404_on_every_page(self):
        self.login(self.t.charlie)
        for url in self.pages_about(self.t.a_sub, self.t.p_site_1):
            self.assertEqual(self.client.get(url).status_code, 404, url)

    def test_owner_sees_every_page(self):
        self.login(self.t.alice)
        for url in self.pages_about(self.t.a_sub, self.t.p_site_1):
            self.assertEqual(self.client.get(url).status_code, 200, url)

    def test_liaison_may_not_open_unit_edit_forms(self):
        self.login(self.t.bob)
        self.assertEqual(
            self.client.get(reverse("orgs:unit_edit", args=["a-site-1"])).status_code, 404
        )
        self.assertEqual(
            self.client.get(reverse("orgs:person_add", args=["a-site-1"])).status_code, 200
        )

    def test_anonymous_is_sent_to_login(self):
        response = self.client.get(reverse("orgs:unit_tree"))
        self.assertRedirects(response, "/login/?next=/orgs/units/")

    def test_home_and_tree_show_only_the_scope(self):
        self.login(self.t.bob)
        home = self.client.get("/").content.decode()
        self.assertIn("Unit a-site-1", home)
        self.assertNotIn("Unit group-a", home)
        search = self.client.get(reverse("orgs:unit_tree") + "?q=unit").content.decode()
        self.assertIn("a-site-1", search)
        self.assertNotIn("b-sub", search)

    def test_unit_detail_shows_counts_and_breadcrumbs(self):
        self.login(self.t.alice)
        with self.assertNumQueries(13):  # 2 for the check-in panel of the health app, 1 its log
            response = self.client.get(reverse("orgs:unit_detail", args=["a-sub"]))
        page = response.content.decode()
        self.assertIn('data-testid="head-count">2', page)
        self.assertIn(reverse("orgs:unit_detail", args=["group-a"]), page)  # breadcrumb
        self.assertNotIn(reverse("orgs:unit_detail", args=["province"]), page)  # above scope

    def test_htmx_children_partial(self):
        self.login(self.t.alice)
        response = self.client.get(
            reverse("orgs:unit_children", args=["a-sub"]), headers={"HX-Request": "true"}
        )
        self.assertContains(response, "a-site-1")
        self.assertNotContains(response, "<html")


class PeoplePageTests(ProvinceMixin, TestCase):
    def test_filters_and_pagination(self):
        self.login(self.t.alice)
        url = reverse("orgs:people_list")
        self.assertContains(self.client.get(url), "Person A003")
        party = self.client.get(url + "?party=1").content.decode()
        self.assertIn("Person A001", party)
        self.assertNotIn("Person A003", party)
        sub = self.client.get(url + "?unit=a-sub&position=站长").content.decode()
        self.assertIn("Person A003", sub)
        self.assertNotIn("Person A002", sub)
        partial = self.client.get(url + "?unit=a-sub", headers={"HX-Request": "true"})
        self.assertNotContains(partial, "<html")

    def test_people_list_query_count_does_not_grow(self):
        self.login(self.t.sasac)
        for i in range(60):
            Person.objects.create(
                group=self.t.group_a,
                unit=self.t.a_hq,
                unit_path=self.t.a_hq.path,
                employee_no=f"X{i:03d}",
                name=f"X{i}",
            )
        with self.assertNumQueries(8):  # the unit picker searches when used: no list of units
            response = self.client.get(reverse("orgs:people_list") + "?page=2")
        self.assertContains(response, 'data-testid="unit-picker-unit"')
        self.assertContains(response, "X0")

    def test_person_detail_is_masked_and_logged(self):
        self.login(self.t.bob)
        response = self.client.get(reverse("orgs:person_detail", args=[self.t.p_site_1.pk]))
        self.assertContains(response, "1101**********002X")
        self.assertNotContains(response, "11010519491231002X")
        self.assertTrue(AccessLog.objects.filter(username="bob", object_type="person").exists())

    def test_edit_person_keeps_id_when_blank_and_shows_errors(self):
        self.login(self.t.bob)
        url = reverse("orgs:person_edit", args=[self.t.p_site_1.pk])
        bad = self.client.post(url, {"employee_no": "A002", "name": "改", "phone": "12"})
        self.assertContains(bad, "is-invalid")
        form = self.client.get(url)
        self.assertContains(form, "Kin/配偶/13900000000")
        ok = self.client.post(
            url,
            {
                "employee_no": "A002",
                "name": "改",
                "phone": "13800000009",
                "family": "Kin/配偶/13900000000\n小改/子女",
            },
        )
        self.assertRedirects(ok, reverse("orgs:person_detail", args=[self.t.p_site_1.pk]))
        person = Person.objects.get(pk=self.t.p_site_1.pk)
        self.assertEqual((person.name, person.id_number_masked), ("改", "1101**********002X"))
        self.assertEqual(
            list(person.family_members.values_list("name", flat=True)), ["Kin", "小改"]
        )
        bad = self.client.post(url, {"employee_no": "A002", "name": "改", "family": "无关系"})
        self.assertContains(bad, "is-invalid")

    def test_add_child_unit_and_person(self):
        self.login(self.t.alice)
        response = self.client.post(
            reverse("orgs:unit_add_child", args=["a-sub"]),
            {
                "code": "a-site-3",
                "name": "三站",
                "kind": "site",
                "site_kind": "canteen",
                "timezone": "Asia/Shanghai",
            },
        )
        self.assertRedirects(response, reverse("orgs:unit_detail", args=["a-site-3"]))
        self.assertEqual(Unit.objects.get(code="a-site-3").parent, self.t.a_sub)
        dup = self.client.post(
            reverse("orgs:unit_add_child", args=["a-sub"]),
            {"code": "a-site-3", "name": "重复", "kind": "site", "timezone": "Asia/Shanghai"},
        )
        self.assertContains(dup, "is-invalid")


class AccountTests(ProvinceMixin, TestCase):
    def test_login_lockout(self):
        for _ in range(5):
            response = self.client.post("/login/", {"username": "bob", "password": "wrong"})
            self.assertEqual(response.status_code, 200)
        locked = self.client.post("/login/", {"username": "bob", "password": PASSWORD})
        self.assertEqual(locked.status_code, 429)
        self.assertTrue(locked["Retry-After"])
        self.assertFalse(locked.wsgi_request.user.is_authenticated)

    def test_login_and_logout(self):
        response = self.client.post("/login/", {"username": "bob", "password": PASSWORD})
        self.assertRedirects(response, "/")
        self.assertEqual(self.client.post("/logout/").status_code, 302)
        self.assertEqual(self.client.get("/").status_code, 302)

    def test_password_change(self):
        self.login(self.t.bob)
        response = self.client.post(
            reverse("core:password_change"),
            {
                "old_password": PASSWORD,
                "new_password1": "Another-pass-456",
                "new_password2": "Another-pass-456",
            },
        )
        self.assertRedirects(response, "/")
        self.t.bob.refresh_from_db()
        self.assertTrue(self.t.bob.check_password("Another-pass-456"))

    def test_tokens_create_show_once_and_revoke(self):
        self.login(self.t.alice)
        response = self.client.post(reverse("core:tokens"), {"name": "script"})
        raw = response.context["new_token"]
        self.assertContains(response, raw)
        self.assertNotContains(self.client.get(reverse("core:tokens")), raw)
        token = ApiToken.objects.get(user=self.t.alice)
        api = self.client_class()
        self.assertEqual(
            api.get("/api/v1/units", headers={"Authorization": f"Bearer {raw}"}).status_code, 200
        )
        self.client.post(reverse("core:token_revoke", args=[token.pk]))
        self.assertEqual(
            api.get("/api/v1/units", headers={"Authorization": f"Bearer {raw}"}).status_code, 401
        )
        # Another user's token cannot be revoked by guessing its id.
        self.login(self.t.charlie)
        self.assertEqual(
            self.client.post(reverse("core:token_revoke", args=[token.pk])).status_code, 404
        )

    @override_settings(LANGUAGE_CODE="zh-hans")
    def test_language_is_per_user(self):
        self.login(self.t.bob)
        self.client.post(reverse("core:set_language"), {"language": "en", "next": "/orgs/units/"})
        self.assertEqual(UserProfile.objects.get(user=self.t.bob).language, "en")
        self.client.cookies.pop("django_language", None)
        page = self.client.get(reverse("orgs:unit_tree"))
        self.assertContains(page, '<html lang="en">')
        other = self.client_class()
        other.force_login(self.t.alice)
        self.assertContains(other.get(reverse("orgs:unit_tree")), '<html lang="zh-hans">')

    def test_access_log_page_is_for_system_admins(self):
        self.login(self.t.alice)
        self.assertEqual(self.client.get(reverse("core:access_log")).status_code, 404)
        self.login(self.t.root)
        self.client.get(reverse("orgs:person_detail", args=[self.t.p_hq.pk]))
        page = self.client.get(reverse("core:access_log"))
        self.assertContains(page, "root")
        self.assertContains(page, f"#{self.t.p_hq.pk}")

    def test_admin_is_for_system_admins(self):
        self.login(self.t.alice)
        self.assertEqual(self.client.get("/admin/").status_code, 302)
        self.login(self.t.root)
        self.assertEqual(self.client.get("/admin/orgs/unit/").status_code, 200)


class RoleAndLiaisonPageTests(ProvinceMixin, TestCase):
    def test_unit_admin_assigns_and_removes_a_role(self):
        from fangkong.orgs.models import RoleAssignment

        self.login(self.t.alice)
        url = reverse("orgs:unit_role_add", args=["a-sub"])
        self.client.post(url, {"username": "nobody", "role": "inspector", "note": "包抓包联"})
        assignment = RoleAssignment.objects.get(user=self.t.nobody)
        self.assertEqual((assignment.unit, assignment.role), (self.t.a_sub, "inspector"))
        page = self.client.get(reverse("orgs:unit_detail", args=["a-sub"]))
        self.assertContains(page, "包抓包联")
        response = self.client.post(url, {"username": "ghost", "role": "viewer"}, follow=True)
        self.assertEqual(len(list(response.context["messages"])), 1)
        self.client.post(reverse("orgs:unit_role_remove", args=["a-sub", assignment.pk]))
        self.assertFalse(RoleAssignment.objects.filter(user=self.t.nobody).exists())

    def test_roles_are_not_managed_outside_scope_or_by_liaisons(self):
        self.login(self.t.charlie)
        url = reverse("orgs:unit_role_add", args=["a-sub"])
        self.assertEqual(
            self.client.post(url, {"username": "charlie", "role": "unit_admin"}).status_code, 404
        )
        self.login(self.t.bob)
        url = reverse("orgs:unit_role_add", args=["a-site-1"])
        self.assertEqual(
            self.client.post(url, {"username": "bob", "role": "unit_admin"}).status_code, 404
        )

    def test_system_admin_role_is_for_superusers_only(self):
        from fangkong.orgs.models import RoleAssignment

        self.login(self.t.alice)
        self.client.post(
            reverse("orgs:unit_role_add", args=["a-sub"]),
            {"username": "nobody", "role": "system_admin"},
        )
        self.assertFalse(RoleAssignment.objects.filter(user=self.t.nobody).exists())

    def test_set_liaison_by_employee_number(self):
        self.login(self.t.alice)
        url = reverse("orgs:unit_edit", args=["a-site-1"])
        data = {
            "code": "a-site-1",
            "name": "一站",
            "kind": "site",
            "site_kind": "heat_station",
            "timezone": "Asia/Shanghai",
            "liaison_no": "A002",
        }
        self.assertRedirects(
            self.client.post(url, data), reverse("orgs:unit_detail", args=["a-site-1"])
        )
        self.assertEqual(Unit.objects.get(code="a-site-1").liaison, self.t.p_site_1)
        bad = self.client.post(url, {**data, "liaison_no": "NOPE"})
        self.assertContains(bad, "is-invalid")
        self.assertEqual(Unit.objects.get(code="a-site-1").liaison, self.t.p_site_1)


class NotFoundPageTests(ProvinceMixin, TestCase):
    @override_settings(DEBUG=False)
    def test_outsider_gets_the_layout_404_without_the_unit_name(self):
        self.login(self.t.charlie)
        response = self.client.get(reverse("orgs:unit_detail", args=["a-sub"]))
        self.assertEqual(response.status_code, 404)
        self.assertContains(response, 'data-testid="user-menu"', status_code=404)
        self.assertNotContains(response, "Unit a-sub", status_code=404)
