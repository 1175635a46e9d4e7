"""One login throttle for every way in (issue 10): the (account, address) pair is locked,
the account and the address are only slowed down."""

from datetime import UTC, datetime, timedelta

import time_machine
from django.contrib.auth import get_user_model
from django.contrib.auth.forms import SetPasswordForm
from django.test import TestCase, override_settings
from django.urls import reverse

from fangkong.core.auth import LOCKED_OUT, SLOWED_DOWN, create_token, login_refusal
from fangkong.core.models import ApiToken, LoginFailure
from fangkong.orgs.choices import Role
from fangkong.orgs.services import create_unit
from fangkong.orgs.testing import grant

PASSWORD = "Right-pass-123"
T0 = datetime(2025, 3, 4, 1, 0, tzinfo=UTC)
OFFICE = "10.0.0.1"
ELSEWHERE = "10.9.9.9"


@override_settings(LOGIN_MAX_FAILURES=5, LOGIN_LOCKOUT_MINUTES=15, LOGIN_SLOWDOWN_MAX_SECONDS=10)
class LoginThrottleTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        users = get_user_model().objects
        cls.duty = users.create_user("duty", password=PASSWORD)
        cls.carol = users.create_user("carol", password=PASSWORD)
        cls.admin = users.create_superuser("root", password=PASSWORD)
        # The token endpoint serves users with API access (unit admins).
        unit = create_unit(actor=cls.admin, parent=None, code="t", name="T", kind="group")
        for user in (cls.duty, cls.carol):
            grant(user, unit, Role.UNIT_ADMIN)

    def setUp(self):
        traveller = time_machine.travel(T0, tick=False)
        self.clock = traveller.start()
        self.addCleanup(traveller.stop)

    def login(self, username, password, ip=OFFICE, url="/login/"):
        return self.client.post(url, {"username": username, "password": password}, REMOTE_ADDR=ip)

    def token(self, username, password, ip=OFFICE):
        return self.client.post(
            "/api/v1/auth/token",
            {"username": username, "password": password},
            content_type="application/json",
            REMOTE_ADDR=ip,
        )

    def fail(self, username, times, ip=OFFICE):
        for _ in range(times):
            self.assertEqual(self.token(username, "wrong", ip).status_code, 401)

    def test_the_pair_is_locked_after_five_failures_on_the_login_page(self):
        for _ in range(5):
            self.assertEqual(self.login("duty", "wrong").status_code, 200)
        locked = self.login("duty", PASSWORD)
        self.assertEqual(locked.status_code, 429)
        self.assertEqual(locked["Retry-After"], str(15 * 60))
        self.assertEqual(locked.context["form"].errors["__all__"][0].count("15"), 1)
        self.assertFalse(locked.wsgi_request.user.is_authenticated)
        self.clock.shift(timedelta(minutes=15, seconds=1))
        self.assertEqual(self.login("duty", PASSWORD).status_code, 302)

    def test_the_same_account_from_another_address_is_slowed_down_not_locked(self):
        self.fail("duty", 5, ip=ELSEWHERE)
        self.assertEqual(self.token("duty", PASSWORD, ip=ELSEWHERE).json()["code"], LOCKED_OUT)
        slowed = self.token("duty", PASSWORD)
        self.assertEqual(slowed.status_code, 429)
        self.assertEqual(slowed.json()["code"], SLOWED_DOWN)
        self.assertEqual(slowed["Retry-After"], "1")
        self.clock.shift(timedelta(seconds=1))
        self.assertEqual(self.token("duty", PASSWORD).status_code, 200)
        self.assertEqual(self.token("duty", PASSWORD, ip=ELSEWHERE).status_code, 429)

    def test_the_wait_doubles_with_each_failure_up_to_the_maximum(self):
        waits = []
        for n in range(9):
            ip = f"10.1.0.{n}"  # a different address each time: no pair is locked
            self.assertIsNone(login_refusal("duty", ip))
            self.assertEqual(self.token("duty", "wrong", ip).status_code, 401)
            refusal = login_refusal("duty", "10.2.0.1")
            waits.append(refusal.retry_after if refusal else 0)
            self.clock.shift(timedelta(seconds=waits[-1]))
        self.assertEqual(waits, [0, 0, 0, 0, 1, 2, 4, 8, 10])

    def test_a_try_inside_the_wait_is_refused_without_checking_the_password(self):
        self.fail("duty", 5, ip=ELSEWHERE)
        self.assertEqual(self.token("duty", "wrong").status_code, 429)
        self.assertEqual(self.token("duty", PASSWORD).status_code, 429)
        self.assertEqual(LoginFailure.objects.filter(username="duty").count(), 5)

    def test_failures_behind_one_office_address_lock_nobody_else_out(self):
        # 20 failures from one NAT address on various accounts (4 of them locked as pairs).
        for n in range(20):
            self.assertEqual(self.token(f"user{n % 4}", "wrong").status_code, 401)
        slowed = self.token("carol", PASSWORD)
        self.assertEqual((slowed.status_code, slowed.json()["code"]), (429, SLOWED_DOWN))
        self.clock.shift(timedelta(seconds=int(slowed["Retry-After"])))
        self.assertEqual(self.token("carol", PASSWORD).status_code, 200)
        self.assertEqual(self.login("carol", PASSWORD).status_code, 302)

    @override_settings(LOGIN_SLOWDOWN_MAX_SECONDS=0)
    def test_without_a_slowdown_only_the_pair_is_locked(self):
        self.fail("duty", 5, ip=ELSEWHERE)
        for n in range(20):
            self.token(f"user{n}", "wrong")
        self.assertEqual(self.token("duty", PASSWORD).status_code, 200)
        self.assertEqual(self.token("duty", PASSWORD, ip=ELSEWHERE).status_code, 429)

    def test_a_success_clears_the_failures_of_its_pair_only(self):
        self.fail("duty", 3)
        self.fail("duty", 1, ip=ELSEWHERE)
        self.assertEqual(self.login("duty", PASSWORD).status_code, 302)
        self.assertEqual(
            list(LoginFailure.objects.filter(username="duty").values_list("ip", flat=True)),
            [ELSEWHERE],
        )

    def test_the_admin_login_is_throttled_too(self):
        for _ in range(8):
            self.assertIn(self.login("root", "wrong", url="/admin/login/").status_code, (200, 429))
        refused = self.login("root", PASSWORD, url="/admin/login/")
        self.assertEqual(refused.status_code, 429)
        self.assertTrue(refused["Retry-After"])
        self.assertFalse(refused.wsgi_request.user.is_authenticated)
        self.assertEqual(LoginFailure.objects.filter(username="root", ip=OFFICE).count(), 5)
        self.assertEqual(
            self.login("root", PASSWORD, ip=ELSEWHERE, url="/admin/login/").status_code, 429
        )
        self.clock.shift(timedelta(seconds=1))
        signed_in = self.login("root", PASSWORD, ip=ELSEWHERE, url="/admin/login/")
        self.assertEqual(signed_in.status_code, 302)


class TokensRevokedOnPasswordChangeTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        users = get_user_model().objects
        cls.duty = users.create_user("duty", password=PASSWORD)
        cls.carol = users.create_user("carol", password=PASSWORD)

    def token(self, user):
        _token, raw = create_token(user, "script")
        return raw

    def status(self, raw):
        response = self.client.get("/api/v1/units", headers={"Authorization": f"Bearer {raw}"})
        return response.status_code

    def test_set_password_and_save_revokes_the_users_tokens(self):
        mine, theirs = self.token(self.duty), self.token(self.carol)
        self.assertEqual(self.status(mine), 200)
        self.duty.set_password("Another-pass-456")
        self.duty.save()
        self.assertEqual(self.status(mine), 401)
        self.assertEqual(self.status(theirs), 200)
        self.assertFalse(ApiToken.objects.filter(user=self.duty, revoked_at=None).exists())

    def test_the_set_password_form_revokes_them(self):
        raw = self.token(self.duty)
        form = SetPasswordForm(
            self.duty, {"new_password1": "Another-pass-456", "new_password2": "Another-pass-456"}
        )
        self.assertTrue(form.is_valid(), form.errors)
        form.save()
        self.assertEqual(self.status(raw), 401)

    def test_the_password_change_page_revokes_them(self):
        raw = self.token(self.duty)
        self.client.force_login(self.duty)
        response = self.client.post(
            reverse("core:password_change"),
            {
                "old_password": PASSWORD,
                "new_password1": "Another-pass-456",
                "new_password2": "Another-pass-456",
            },
        )
        self.assertEqual(response.status_code, 302)
        self.client.logout()
        self.assertEqual(self.status(raw), 401)
