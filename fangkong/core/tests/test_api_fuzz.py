"""A bounded property-based fuzz of every operation of the OpenAPI document, as two roles
(a system admin who sees everything, a site liaison who sees one site): valid and invalid
parameters and bodies (schemathesis over hypothesis), through the real WSGI application
and database. Each answer must be no 5xx, a status the document lists for the operation,
and a body that matches the schema it documents.

The outside fuzz that found the 500s of issue 10 ran about 41,600 requests; this one runs
`EXAMPLES` valid and `EXAMPLES` invalid requests per operation and role, within the
suite's time. `FANGKONG_FUZZ_EXAMPLES=200 pytest fangkong/core/tests/test_api_fuzz.py`
runs a longer one by hand."""

import os

import schemathesis
from django.core import signals
from django.db import close_old_connections
from django.test import TestCase
from hypothesis import HealthCheck, Phase, given, settings
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from fangkong.core.auth import create_token
from fangkong.orgs.testing import ProvinceMixin
from fangkong.wsgi import application

EXAMPLES = int(os.environ.get("FANGKONG_FUZZ_EXAMPLES", "8"))
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]
SETTINGS = settings(
    max_examples=EXAMPLES,
    deadline=None,
    derandomize=True,  # the same requests on every run: a failure is reproducible
    database=None,
    suppress_health_check=list(HealthCheck),
    phases=[Phase.explicit, Phase.generate, Phase.shrink],
)


class ApiFuzzTests(ProvinceMixin, TestCase):
    def setUp(self):
        # The WSGI application closes the database connection after each request (Django's
        # request_finished signal), which inside a test's transaction loses it on
        # PostgreSQL. Django's own test client switches that off the same way.
        signals.request_started.disconnect(close_old_connections)
        signals.request_finished.disconnect(close_old_connections)
        self.addCleanup(signals.request_started.connect, close_old_connections)
        self.addCleanup(signals.request_finished.connect, close_old_connections)

    def test_no_operation_answers_a_server_error_or_off_its_document(self):
        tokens = [create_token(user, "fuzz")[1] for user in (self.t.root, self.t.bob)]
        schema = schemathesis.openapi.from_wsgi(
            "/api/v1/openapi.json", application, headers={"Authorization": f"Bearer {tokens[0]}"}
        )
        operations = [result.ok() for result in schema.get_all_operations()]
        self.assertGreater(len(operations), 40)
        for operation in operations:
            for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):
                with self.subTest(operation=operation.label, mode=mode.value):

                    @SETTINGS
                    @given(case=operation.as_strategy(generation_mode=mode))
                    def run(case):
                        for token in tokens:  # the same request as each role
                            case.call_and_validate(
                                headers={"Authorization": f"Bearer {token}"}, checks=CHECKS
                            )

                    run()
