"""The OpenAPI document describes the API as it is: one name for one schema, and every
error answer an operation may give (core/api.py FangkongAPI; the fuzz in test_api_fuzz.py
checks that no operation answers a status its description leaves out)."""

import typing

from django.test import TestCase
from pydantic import BaseModel

from fangkong.api import api
from fangkong.core.testing import api_document


def _models(annotation, found: set) -> None:
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        if annotation not in found:
            found.add(annotation)
            for field in annotation.model_fields.values():
                _models(field.annotation, found)
        return
    for arg in typing.get_args(annotation):
        _models(arg, found)


class OpenApiDocumentTests(TestCase):
    def test_no_two_schemas_share_a_name(self):
        # Before: health cases' events and incidents' events were both "EventOut", and the
        # document described one with the other's fields.
        found: set = set()
        for _prefix, router in api._routers:
            for path_view in router.path_operations.values():
                for operation in path_view.operations:
                    for model in operation.models:
                        _models(model, found)
                    for model in (operation.response_models or {}).values():
                        _models(model, found)
        ours = [m for m in found if m.__module__.startswith("fangkong")]
        names: dict[str, list[str]] = {}
        for model in ours:
            names.setdefault(model.__name__, []).append(f"{model.__module__}.{model.__qualname__}")
        self.assertGreater(len(ours), 40)
        self.assertEqual({n: c for n, c in names.items() if len(c) > 1}, {})

    def test_every_operation_lists_its_error_answers(self):
        doc = api_document(self.client)
        self.assertIn("ErrorOut", doc["components"]["schemas"])
        missing = []
        for path, operations in doc["paths"].items():
            for method, operation in operations.items():
                listed = set(operation["responses"])
                expected = (
                    {"400", "422"}
                    if operation.get("parameters") or operation.get("requestBody")
                    else set()
                )
                if operation.get("security"):
                    expected |= {"401", "404"}
                    if method != "get":
                        expected.add("403")
                if method != "get" and path != "/api/v1/auth/token":
                    expected.add("409")
                for status in sorted(expected - listed):
                    missing.append(f"{method.upper()} {path}: {status}")
                for status, answer in operation["responses"].items():
                    if status >= "400":
                        ref = answer["content"]["application/json"]["schema"]["$ref"]
                        self.assertTrue(ref.endswith("/ErrorOut"), (path, status))
        self.assertEqual(missing, [])
        token = doc["paths"]["/api/v1/auth/token"]["post"]["responses"]
        self.assertTrue({"401", "422", "429"} <= set(token))
