"""The Content-Security-Policy (issue 10): on every answer, and no template needs what it
forbids (inline scripts, event-handler attributes, `<style>` and style attributes)."""

import re
from pathlib import Path

from django.conf import settings
from django.contrib.auth import get_user_model
from django.test import SimpleTestCase, TestCase

from fangkong.core.middleware import ContentSecurityPolicyMiddleware

POLICY = ContentSecurityPolicyMiddleware.POLICY
FORBIDDEN = {
    "an inline script": re.compile(r"<script(?![^>]*\bsrc=)(?![^>]*type=\"application/json\")"),
    "an event-handler attribute": re.compile(r"\son[a-z]+\s*=", re.IGNORECASE),
    "a style element": re.compile(r"<style\b", re.IGNORECASE),
    "a style attribute": re.compile(r"\sstyle\s*=", re.IGNORECASE),
    "a javascript: URL": re.compile(r"javascript:", re.IGNORECASE),
}


class PolicyHeaderTests(TestCase):
    def test_every_kind_of_answer_carries_the_policy(self):
        user = get_user_model().objects.create_user("duty", password="Right-pass-123")
        answers = {
            "login page": self.client.get("/login/"),
            "API error": self.client.get("/api/v1/units"),
            "personal link": self.client.get("/health/c/nope/"),
            "not found": self.client.get("/no-such-page/"),
        }
        self.client.force_login(user)
        answers["home"] = self.client.get("/")
        answers["API"] = self.client.get("/api/v1/units")
        for name, response in answers.items():
            self.assertEqual(response["Content-Security-Policy"], POLICY, name)

    def test_the_policy_allows_no_inline_script_or_style_and_no_framing(self):
        directives = dict(d.split(" ", 1) for d in POLICY.split("; "))
        self.assertEqual(directives["script-src"], "'self'")
        self.assertEqual(directives["style-src"], "'self'")
        self.assertEqual(directives["frame-ancestors"], "'none'")
        self.assertEqual(directives["object-src"], "'none'")


class TemplateTests(SimpleTestCase):
    def test_no_template_has_what_the_policy_blocks(self):
        root = Path(settings.BASE_DIR) / "fangkong"
        found = []
        for path in sorted(root.glob("**/templates/**/*.html")):
            text = path.read_text()
            for what, pattern in FORBIDDEN.items():
                for match in pattern.finditer(text):
                    line = text.count("\n", 0, match.start()) + 1
                    found.append(f"{path.relative_to(root)}:{line}: {what}")
        self.assertEqual(found, [])
