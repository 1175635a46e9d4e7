"""The unit and people pickers: pinyin initials kept on units, the scoped searches behind
/orgs/pick/…, and the widgets' rendering (the chosen name, never only a code)."""

from django.template import Context, Template
from django.test import RequestFactory, TestCase
from django.urls import reverse

from fangkong.core.pinyin import initials
from fangkong.orgs import queries, services
from fangkong.orgs.choices import UnitKind
from fangkong.orgs.models import Unit
from fangkong.orgs.testing import ProvinceMixin


class InitialsTests(TestCase):
    def test_initials_of_chinese_names_letters_and_digits(self):
        self.assertEqual(initials("热力总公司"), "rlzgs")
        self.assertEqual(initials("重庆长安集团"), "cqcajt")  # 重庆: a word, not 重 alone
        self.assertEqual(initials("第12热力站"), "d12rlz")
        self.assertEqual(initials("ABC 公司"), "abcgs")
        self.assertEqual(initials(""), "")


class KeptInitialsTests(ProvinceMixin, TestCase):
    def test_create_and_update_unit_keep_the_initials(self):
        unit = services.create_unit(
            actor=self.t.root,
            parent=self.t.a_sub,
            code="heat",
            name="热力总公司",
            kind=UnitKind.DEPARTMENT,
        )
        self.assertEqual(Unit.objects.get(pk=unit.pk).initials, "rlzgs")
        services.update_unit(actor=self.t.root, unit=unit, name="第1热力站")
        self.assertEqual(Unit.objects.get(pk=unit.pk).initials, "d1rlz")


class UnitSearchTests(ProvinceMixin, TestCase):
    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        t = cls.t
        cls.heat = services.create_unit(
            actor=t.root,
            parent=t.a_sub,
            code="CT-HEAT",
            name="热力总公司",
            kind=UnitKind.SUBSIDIARY,
        )
        cls.station = services.create_unit(
            actor=t.root, parent=cls.heat, code="CT-HEAT-S01", name="第1热力站", kind=UnitKind.SITE
        )
        cls.outside = services.create_unit(
            actor=t.root, parent=t.group_b, code="B-HEAT", name="热力分公司", kind=UnitKind.SITE
        )

    def codes(self, user, q, **kw):
        return [u.code for u in queries.search_units(user, q, **kw)]

    def test_by_name_by_initials_and_by_code(self):
        alice = self.t.alice
        self.assertEqual(self.codes(alice, "热力总"), ["CT-HEAT"])
        self.assertEqual(self.codes(alice, "rlzgs"), ["CT-HEAT"])
        self.assertEqual(self.codes(alice, "RLZ"), ["CT-HEAT", "CT-HEAT-S01"])  # in tree order
        self.assertEqual(self.codes(alice, "ct-heat-s01"), ["CT-HEAT-S01"])

    def test_the_exact_code_first_then_starts_then_contains(self):
        self.assertEqual(self.codes(self.t.alice, "CT-HEAT")[0], "CT-HEAT")
        # "a-site-1" holds "site" within, "Unit a-site" ... all contain "site": the names
        # starting with it come before those containing it.
        found = self.codes(self.t.alice, "a-site")
        self.assertEqual(found, ["a-site-1", "a-site-2"])

    def test_scoped_an_outsiders_units_never_appear(self):
        self.assertNotIn("B-HEAT", self.codes(self.t.alice, "rl"))
        self.assertEqual(self.codes(self.t.charlie, "rl"), ["B-HEAT"])
        self.assertEqual(self.codes(self.t.nobody, "rl"), [])
        self.assertIn("B-HEAT", self.codes(self.t.sasac, "rl"))

    def test_limit(self):
        for i in range(25):
            services.create_unit(
                actor=self.t.root,
                parent=self.heat,
                code=f"S{i:02d}",
                name=f"第{i}站",
                kind=UnitKind.SITE,
            )
        self.assertEqual(len(self.codes(self.t.alice, "d")), 20)
        self.assertEqual(len(self.codes(self.t.alice, "d", limit=5)), 5)

    def test_without_a_query_the_top_of_the_scope(self):
        self.assertEqual(self.codes(self.t.alice, ""), ["group-a"])
        self.assertEqual(self.codes(self.t.bob, ""), ["a-site-1"])

    def test_the_search_page_lists_options_with_names(self):
        self.client.force_login(self.t.alice)
        page = self.client.get(reverse("orgs:unit_pick"), {"q": "rlzgs"})
        self.assertContains(page, 'data-fk-pick-value="CT-HEAT"')
        self.assertContains(page, "热力总公司")
        self.assertNotContains(page, "B-HEAT")
        page = self.client.get(reverse("orgs:unit_pick"), {"q": "nothing-like-it"})
        self.assertContains(page, "管辖范围内没有匹配的单位。")
        self.assertNotContains(page, "data-fk-pick-value")

    def test_a_permission_narrows_the_search_and_an_unknown_one_is_404(self):
        self.client.force_login(self.t.bob)  # liaison of a-site-1 only
        page = self.client.get(reverse("orgs:unit_pick"), {"q": "a-site", "perm": "view"})
        self.assertContains(page, "a-site-1")
        self.assertNotContains(page, "a-site-2")
        self.assertEqual(
            self.client.get(reverse("orgs:unit_pick"), {"perm": "no_such_perm"}).status_code, 404
        )

    def test_children_partial_and_404_out_of_scope(self):
        self.client.force_login(self.t.alice)
        url = reverse("orgs:unit_pick_children", args=["CT-HEAT"])
        page = self.client.get(url)
        self.assertContains(page, 'data-fk-pick-value="CT-HEAT-S01"')
        self.assertContains(page, "第1热力站")
        page = self.client.get(reverse("orgs:unit_pick_children", args=["a-sub"]))
        self.assertContains(page, "data-fk-pick-toggle")  # CT-HEAT has children: a caret
        self.client.force_login(self.t.charlie)
        self.assertEqual(self.client.get(url).status_code, 404)
        self.assertEqual(
            self.client.get(reverse("orgs:unit_pick_children", args=["no-such"])).status_code,
            404,
        )

    def test_anonymous_is_sent_to_login(self):
        self.assertEqual(self.client.get(reverse("orgs:unit_pick")).status_code, 302)


class PeopleSearchTests(ProvinceMixin, TestCase):
    def names(self, user, q, **kw):
        return [p.employee_no for p in queries.search_people(user, q, **kw)]

    def test_by_name_employee_number_and_phone_tail(self):
        alice = self.t.alice
        self.assertEqual(self.names(alice, "Person A003"), ["A003"])
        self.assertEqual(self.names(alice, "a00"), ["A001", "A002", "A003"])
        self.assertEqual(self.names(alice, "0001"), ["A002"])  # phone 13800000001
        self.assertEqual(self.names(alice, "000"), [])  # 3 digits: no phone search

    def test_scoped_to_the_viewer_and_to_a_unit_or_its_group(self):
        self.assertEqual(self.names(self.t.alice, "B001"), [])
        self.assertEqual(self.names(self.t.charlie, "Person"), ["B001"])
        self.assertEqual(self.names(self.t.alice, "", unit=self.t.a_site_1), ["A002"])
        self.assertEqual(
            self.names(self.t.alice, "", unit=self.t.a_site_1, whole_group=True),
            ["A001", "A002", "A003"],
        )
        self.assertEqual(self.names(self.t.alice, ""), [])

    def test_the_people_page_masks_and_404s_a_unit_out_of_scope(self):
        self.client.force_login(self.t.alice)
        page = self.client.get(reverse("orgs:person_pick"), {"q": "0001"})
        self.assertContains(page, 'data-fk-pick-value="A002"')
        self.assertContains(page, "0001")
        self.assertNotContains(page, "13800000001")
        self.assertNotContains(page, "1101")  # no ID number, not even its mask
        self.client.force_login(self.t.charlie)
        url = reverse("orgs:person_pick")
        self.assertEqual(self.client.get(url, {"unit": "a-sub"}).status_code, 404)
        self.assertNotContains(self.client.get(url, {"q": "A00"}), "A002")


class WidgetTests(ProvinceMixin, TestCase):
    def render(self, user, text, **context):
        request = RequestFactory().get("/")
        request.user = user
        return Template("{% load pickers %}" + text).render(
            Context({"request": request, **context})
        )

    def test_the_unit_picker_shows_the_chosen_name_and_keeps_the_code(self):
        html = self.render(self.t.alice, '{% unit_picker "unit" "a-sub" %}')
        self.assertIn('name="unit" value="a-sub"', html)
        self.assertIn('data-fk-picker-label="Unit a-sub"', html)

    def test_a_code_out_of_scope_shows_no_name(self):
        html = self.render(self.t.charlie, '{% unit_picker "unit" "a-sub" %}')
        self.assertNotIn("Unit a-sub", html)

    def test_the_people_picker_names_the_chosen(self):
        html = self.render(
            self.t.alice,
            '{% person_picker "people" "A001,A002" multiple=True unit=u %}',
            u=self.t.a_sub,
        )
        self.assertIn('value="A001,A002"', html)
        self.assertIn("Person A001", html)
        self.assertIn("Person A002", html)
