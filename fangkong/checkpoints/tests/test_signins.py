"""Staff sign-in at a checkpoint by the site's QR code (who passed when): off by default,
turned on per checkpoint; the phone page behind the site's QR link (sites.links, the same
signed link as the slots'), the checkpoint page listing them in local time, the API under
an Idempotency-Key; a double submit is one sign-in; outsiders and wrong tokens see
nothing."""

import json
from datetime import UTC, datetime

import time_machine
from django.test import TestCase
from django.urls import reverse

from fangkong.checkpoints import services
from fangkong.checkpoints.models import SignIn
from fangkong.checkpoints.testing import make_checkpoint
from fangkong.core.errors import Conflict, InvalidInput
from fangkong.orgs.testing import ProvinceMixin
from fangkong.sites import links

API = "/api/v1/checkpoints/CK-1/signins"
# 09:05 in Shanghai.
NOW = datetime(2026, 2, 3, 1, 5, tzinfo=UTC)


@time_machine.travel(NOW, tick=False)
class SignInTests(ProvinceMixin, TestCase):
    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        cls.point = make_checkpoint(cls.t)
        (link,) = links.issue_links(actor=cls.t.olga, sites=[cls.t.a_site_1])
        cls.url = reverse("sites:scan_signin", args=[links.link_token(link)])

    def turn_on(self):
        services.set_signin(actor=self.t.alice, checkpoint=self.point, enabled=True)

    def test_off_by_default_the_qr_link_says_so(self):
        r = self.client.get(self.url)
        self.assertEqual(r.status_code, 200)
        self.assertContains(r, 'data-testid="signin-off"')
        r = self.client.post(self.url, {"person": self.t.p_site_1.pk, "key": "k"})
        self.assertContains(r, 'data-testid="signin-off"')
        self.assertFalse(SignIn.objects.exists())
        with self.assertRaises(Conflict) as caught:
            services.sign_in(checkpoint=self.point, person=self.t.p_site_1)
        self.assertEqual(caught.exception.code, "signin_off")
        scan = self.client.get(self.url.removesuffix("signin/"))
        self.assertNotContains(scan, 'data-testid="signin-link"')

    def test_on_a_staff_member_signs_in_once_and_is_listed_in_local_time(self):
        self.turn_on()
        scan = self.client.get(self.url.removesuffix("signin/"))
        self.assertContains(scan, 'data-testid="signin-link"')
        page = self.client.get(self.url)
        self.assertContains(page, self.t.p_site_1.name)
        self.assertNotContains(page, self.t.p_site_2.name)  # another site's roster
        body = {
            "checkpoint": self.point.pk,
            "person": self.t.p_site_1.pk,
            "direction": "in",
            "key": "form-1",
        }
        r = self.client.post(self.url, body)
        self.assertContains(r, 'data-testid="done"')
        self.assertContains(r, "09:05")
        again = self.client.post(self.url, body)  # a double submit
        self.assertContains(again, 'data-testid="done"')
        (row,) = SignIn.objects.all()
        self.assertEqual((row.person, row.direction, row.at), (self.t.p_site_1, "in", NOW))
        self.client.force_login(self.t.bob)
        detail = self.client.get(reverse("checkpoints:detail", args=["CK-1"]))
        self.assertContains(detail, 'data-testid="signin-list"')
        self.assertContains(detail, "09:05")
        self.assertContains(detail, self.t.p_site_1.name)

    def test_someone_off_the_site_s_roster_or_a_bad_direction_is_refused(self):
        self.turn_on()
        r = self.client.post(
            self.url, {"checkpoint": self.point.pk, "person": self.t.p_site_2.pk, "key": "k"}
        )
        self.assertEqual(r.status_code, 400)
        with self.assertRaises(InvalidInput) as caught:
            services.sign_in(checkpoint=self.point, person=self.t.p_site_2)
        self.assertIn("person", caught.exception.fields)
        with self.assertRaises(InvalidInput) as caught:
            services.sign_in(checkpoint=self.point, person=self.t.p_site_1, direction="up")
        self.assertIn("direction", caught.exception.fields)
        self.assertFalse(SignIn.objects.exists())

    def test_a_wrong_or_revoked_token_shows_nothing(self):
        self.turn_on()
        r = self.client.get(reverse("sites:scan_signin", args=["not-a-token"]))
        self.assertEqual(r.status_code, 404)
        self.assertContains(r, 'data-testid="problem"', status_code=404)
        links.issue_links(actor=self.t.olga, sites=[self.t.a_site_1], reissue=True)
        r = self.client.post(
            self.url, {"checkpoint": self.point.pk, "person": self.t.p_site_1.pk, "key": "k"}
        )
        self.assertEqual(r.status_code, 404)
        self.assertFalse(SignIn.objects.exists())

    def test_the_setting_is_on_the_checkpoint_page_for_its_managers_only(self):
        self.client.force_login(self.t.alice)
        detail = reverse("checkpoints:detail", args=["CK-1"])
        self.assertContains(self.client.get(detail), 'data-testid="signin-on"')
        self.client.post(reverse("checkpoints:set_signin", args=["CK-1"]), {"enabled": "1"})
        self.point.refresh_from_db()
        self.assertTrue(self.point.signin_enabled)
        self.client.force_login(self.t.bob)  # the liaison sees the state, may not change it
        page = self.client.get(detail)
        self.assertNotContains(page, 'data-testid="signin-off"')
        self.assertEqual(
            self.client.post(
                reverse("checkpoints:set_signin", args=["CK-1"]), {"enabled": "0"}
            ).status_code,
            404,
        )
        self.client.force_login(self.t.charlie)
        self.assertEqual(self.client.get(detail).status_code, 404)
        self.assertEqual(
            self.client.post(
                reverse("checkpoints:set_signin", args=["CK-1"]), {"enabled": "0"}
            ).status_code,
            404,
        )

    def api(self, user, body, key=None):
        self.client.force_login(user)
        headers = {"Idempotency-Key": key} if key else {}
        return self.client.post(
            API, json.dumps(body), content_type="application/json", headers=headers
        )

    def test_the_api_signs_in_once_under_a_key_and_the_outsider_gets_404(self):
        body = {"person": self.t.p_site_1.employee_no, "direction": "out"}
        off = self.api(self.t.bob, body, key="s0")
        self.assertEqual(off.status_code, 409)
        self.assertEqual(off.json()["code"], "signin_off")
        self.turn_on()
        made = self.api(self.t.bob, body, key="s1")
        self.assertEqual(made.status_code, 201, made.content)
        again = self.api(self.t.bob, body, key="s1")
        self.assertEqual(again.json()["id"], made.json()["id"])
        self.assertEqual(again.headers.get("Idempotent-Replayed"), "true")
        self.assertEqual(SignIn.objects.count(), 1)
        self.assertEqual(made.json()["direction"], "out")
        other = self.api(self.t.bob, {"person": self.t.p_site_2.employee_no}, key="s2")
        self.assertEqual(other.status_code, 400)
        self.assertEqual(other.json()["code"], "unknown_person")
        self.assertEqual(self.api(self.t.charlie, body, key="s3").status_code, 404)
        self.assertEqual(SignIn.objects.count(), 1)
