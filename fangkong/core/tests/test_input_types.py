"""Every input is checked at the edge (core/schemas.py): what an outside fuzz of the API
found answered 500 or was stored, cut or misread; each now a 4xx naming the field."""

import json
from datetime import timedelta

from django.test import TestCase
from django.utils import timezone

from fangkong.core.schemas import INT_MAX, MAX_DEPTH, bad_character
from fangkong.core.testing import api_document
from fangkong.incidents import services as incident_services
from fangkong.orgs.models import Person, Unit
from fangkong.orgs.testing import ProvinceMixin

DATE_FORMATS = {"date", "date-time"}


def _inputs(doc):
    """(where, schema) of every parameter and request-body leaf of the document."""
    components = doc["components"]["schemas"]

    def walk(schema, where):
        if "$ref" in schema:
            yield from walk(components[schema["$ref"].rsplit("/", 1)[-1]], where)
            return
        for key in ("anyOf", "oneOf", "allOf"):
            for option in schema.get(key, ()):
                yield from walk(option, where)
        kind = schema.get("type")
        if kind == "object" or "properties" in schema:
            for name, prop in schema.get("properties", {}).items():
                yield from walk(prop, f"{where}.{name}")
            extra = schema.get("additionalProperties")
            if isinstance(extra, dict):
                yield from walk(extra, f"{where}.*")
        elif kind == "array":
            yield where, schema
            yield from walk(schema.get("items", {}), f"{where}[]")
        elif kind:
            yield where, schema

    for path, operations in doc["paths"].items():
        for method, op in operations.items():
            name = f"{method.upper()} {path}"
            for param in op.get("parameters", ()):
                if param["in"] != "header":
                    yield from walk(param["schema"], f"{name} {param['in']}:{param['name']}")
            for content in op.get("requestBody", {}).get("content", {}).values():
                yield from walk(content["schema"], f"{name} body")


def _unbounded(schema) -> str | None:
    kind = schema.get("type")
    if kind == "string":
        if schema.get("format") in DATE_FORMATS:
            if "formatMinimum" not in schema or "formatMaximum" not in schema:
                return "a date without its window"
        elif not (
            "maxLength" in schema
            or "enum" in schema
            or "pattern" in schema
            or schema.get("format") in ("time", "binary")
        ):
            return "text without maxLength"
    elif kind == "integer":
        if not (-INT_MAX - 1 <= schema.get("minimum", -(2**63)) <= schema.get("maximum", 2**63)):
            return "an integer without bounds"
        if schema.get("maximum", 2**63) > INT_MAX:
            return "an integer wider than 32 bits"
    elif kind == "array" and "maxItems" not in schema:
        return "a list without maxItems"
    return None


class EveryInputIsBoundedTests(TestCase):
    def test_every_parameter_and_body_field_uses_a_bounded_type(self):
        doc = api_document(self.client)
        seen, problems = 0, []
        for where, schema in _inputs(doc):
            seen += 1
            if (problem := _unbounded(schema)) is not None:
                problems.append(f"{where}: {problem}")
        self.assertGreater(seen, 200)
        self.assertEqual(problems, [])


class RefusedAtTheEdgeTests(ProvinceMixin, TestCase):
    def setUp(self):
        self.client.force_login(self.t.root)

    def send(self, method, path, body, raw=False):
        data = body if raw else json.dumps(body)
        return getattr(self.client, method)(path, data, content_type="application/json")

    def assertRefused(self, response, field, status=422, text=None):  # noqa: N802
        self.assertEqual(response.status_code, status, response.content)
        answer = response.json()
        self.assertIn(field, answer["fields"], answer)
        if text is not None:
            self.assertIn(text, " ".join(answer["fields"][field]))
        return answer

    def new_unit(self, **fields):
        return {"code": "u-new", "name": "新单位", "kind": "department", "parent": "a-hq", **fields}

    def test_a_lone_surrogate_in_a_string_is_a_422_not_a_500(self):
        raw = '{"code": "u-new", "name": "\\ud800", "kind": "department", "parent": "a-hq"}'
        answer = self.assertRefused(self.send("post", "/api/v1/units", raw, raw=True), "name")
        self.assertIn("U+D800", answer["fields"]["name"][0])
        self.assertFalse(Unit.objects.filter(code="u-new").exists())

    def test_control_characters_in_text_are_refused_on_both_databases(self):
        for ch in ("\u0007", "\x00", "\x1b"):
            with self.subTest(ch=repr(ch)):
                response = self.send("post", "/api/v1/units", self.new_unit(name=f"a{ch}b"))
                self.assertRefused(response, "name")
        self.assertFalse(Unit.objects.filter(code="u-new").exists())

    def test_line_breaks_are_text_but_not_a_name(self):
        self.assertRefused(self.send("post", "/api/v1/units", self.new_unit(name="a\nb")), "name")
        self.assertIsNone(bad_character("第一行\n第二行\t完"))

    def test_integers_beyond_32_bits_are_refused(self):
        response = self.send("post", "/api/v1/units", self.new_unit(sort_order=2**63))
        self.assertRefused(response, "sort_order")
        response = self.client.get(f"/api/v1/people/{2**63}")
        self.assertEqual(response.status_code, 422)
        response = self.client.get("/api/v1/units", {"offset": 2**63})
        self.assertRefused(response, "offset")
        response = self.send(
            "post",
            "/api/v1/duty/rooms/a-sub/templates",
            {
                "name": "轮班",
                "role": "leader",
                "start_time": "08:00",
                "anchor_on": "2026-01-01",
                "people": [2**63],
            },
        )
        self.assertRefused(response, "people.0")

    def test_a_string_longer_than_its_column_is_refused_not_cut(self):
        response = self.send("post", "/api/v1/units", self.new_unit(name="长" * 1_000_000))
        self.assertRefused(response, "name", text="100")
        self.assertFalse(Unit.objects.filter(code="u-new").exists())

    def test_non_object_bodies_are_refused(self):
        person = self.t.p_hq
        for body in ("[null,null]", '"AAA"', "123", "null"):
            with self.subTest(body=body):
                response = self.send("patch", f"/api/v1/people/{person.pk}", body, raw=True)
                self.assertRefused(response, "body")
                response = self.send("post", "/api/v1/incidents/1/ack", body, raw=True)
                self.assertRefused(response, "body")
                response = self.send("post", "/api/v1/risk-areas/1/end", body, raw=True)
                self.assertRefused(response, "body")
        person.refresh_from_db()
        self.assertEqual(person.name, "Person A001")

    def test_a_body_nested_thousands_of_levels_is_a_400(self):
        raw = '{"name": ' + "[" * 5000 + "]" * 5000 + "}"
        response = self.send("patch", f"/api/v1/people/{self.t.p_hq.pk}", raw, raw=True)
        self.assertEqual(response.status_code, 400)
        self.assertEqual(response.json()["code"], "bad_json")
        raw = '{"name": ' + "[" * 50 + "]" * 50 + "}"
        response = self.send("patch", f"/api/v1/people/{self.t.p_hq.pk}", raw, raw=True)
        self.assertRefused(response, "name" + ".0" * MAX_DEPTH)

    def test_bad_json_is_a_400_with_the_error_format(self):
        response = self.send("post", "/api/v1/units", "{not json", raw=True)
        self.assertEqual(response.status_code, 400)
        self.assertEqual(response.json()["code"], "bad_json")

    def test_dates_outside_the_window_are_refused(self):
        incident = {
            "unit": "a-site-1",
            "kind": "fever",
            "title": "发热",
            "discovered_at": "0001-01-01T00:00:00+04:00",
        }
        self.assertRefused(self.send("post", "/api/v1/incidents", incident), "discovered_at")
        checkin = {"unit": "a-site-1", "day": "0001-01-01", "checkins": [{"person": 1}]}
        self.assertRefused(self.send("post", "/api/v1/checkins", checkin), "day")
        checkin["day"] = "1900-01-01"
        self.assertRefused(self.send("post", "/api/v1/checkins", checkin), "day")
        trip = {
            "person": self.t.p_hq.pk,
            "origin": "北京",
            "destination": "武汉",
            "depart_on": "0001-01-01",
            "return_on": "9999-12-31",
            "transport": "train",
        }
        answer = self.assertRefused(self.send("post", "/api/v1/trips", trip), "depart_on")
        self.assertIn("return_on", answer["fields"])
        area = {"name": "某区", "level": "high", "effective_from": "0001-01-01"}
        self.assertRefused(self.send("post", "/api/v1/risk-areas", area), "effective_from")
        area["effective_from"] = "9999-01-01"
        self.assertRefused(self.send("post", "/api/v1/risk-areas", area), "effective_from")

    def test_a_number_is_not_a_date_nor_a_time(self):
        response = self.client.get("/api/v1/checkins", {"unit": "a-site-1", "day": "0"})
        self.assertRefused(response, "day")
        response = self.client.get("/api/v1/checkins", {"unit": "a-site-1", "day": "1700000000"})
        self.assertRefused(response, "day")
        template = {
            "name": "轮班",
            "role": "leader",
            "start_time": 28800,
            "anchor_on": "2026-01-01",
            "people": [],
        }
        response = self.send("post", "/api/v1/duty/rooms/a-sub/templates", template)
        self.assertRefused(response, "start_time")

    def test_a_written_report_whose_text_is_not_text_is_a_422(self):
        for text in (["a"], 5, {"a": 1}):
            with self.subTest(text=text):
                response = self.send("post", "/api/v1/incidents/1/written-report", {"text": text})
                self.assertEqual(response.status_code, 404)  # no incident 1: looked up first
        incident = incident_services.file_incident(
            actor=self.t.bob,
            unit=self.t.a_site_1,
            kind="suspected",
            title="发热",
            discovered_at=timezone.now() - timedelta(minutes=5),
        )
        for text in (["a"], 5, {"a": 1}):
            with self.subTest(text=text):
                response = self.send(
                    "post", f"/api/v1/incidents/{incident.pk}/written-report", {"text": text}
                )
                self.assertRefused(response, "text")
        response = self.client.post(
            f"/api/v1/incidents/{incident.pk}/written-report", {"text": "a\x00b"}
        )
        self.assertRefused(response, "text")

    def test_messages_are_in_the_users_language(self):
        response = self.send(
            "post", "/api/v1/units", self.new_unit(name="长" * 101, sort_order="x")
        )
        answer = response.json()
        self.assertEqual(answer["fields"]["sort_order"], ["请填写整数。"])
        self.assertEqual(answer["fields"]["name"], ["最多 100 个字符。"])

    def test_full_width_digits_in_an_id_are_a_422(self):
        response = self.client.get("/api/v1/people/１２")
        self.assertIn(response.status_code, (404, 422))

    def test_what_was_refused_wrote_nothing(self):
        before = Person.objects.count()
        body = {"unit": "a-hq", "employee_no": "N1", "name": "名\u0007字"}
        self.assertRefused(self.send("post", "/api/v1/people", body), "name")
        self.assertEqual(Person.objects.count(), before)
