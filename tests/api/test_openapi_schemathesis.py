"""schemathesis drives every operation in /api/openapi.json against the real app, in process:
no server error, and every response matches the document."""

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from schemathesis.specs.openapi.checks import positive_data_acceptance

from app.fhir.server import SEARCH_PARAMETERS
from tests.fixtures import bearer, parse_fhir

EXAMPLES_PER_OPERATION = 25
# Inputs a schema cannot fully describe: a cursor is opaque (only one we gave out is valid),
# a schema-valid body is rarely a QuestionnaireResponse we can score, and a FHIR search
# value (a date with its prefix, a token) has a grammar of its own. Refusing those is right,
# so "valid data should be accepted" is not checked there; every other check is.
SEMANTIC_INPUT = {
    "/api/screenings",
    "/fhir/QuestionnaireResponse/$score",
    *(f"/fhir/{resource_type}" for resource_type in SEARCH_PARAMETERS),
}


@pytest.fixture
def api_schema(app):
    return schemathesis.openapi.from_wsgi("/api/openapi.json", app)


def test_openapi_document_describes_every_api_route(app, client):
    paths = client.get("/api/openapi.json").json["paths"]
    documented = {(method.upper(), path) for path, operations in paths.items() for method in operations}
    routes = {
        (method, rule.rule.replace("<int:", "{").replace("<", "{").replace(">", "}"))
        for rule in app.url_map.iter_rules()
        if rule.endpoint.startswith("api.")
        for method in rule.methods - {"HEAD", "OPTIONS"}
    }
    assert documented == routes


def test_schemathesis_finds_no_server_error_and_no_response_breaking_the_schema(app, api_schema, demo, token):
    app.config["API_RATE_LIMIT"] = "100000 per minute"
    # Its unauthenticated probes would otherwise meet the per-address limit on invalid tokens.
    app.config["API_INVALID_TOKEN_LIMIT"] = "100000 per minute"
    parsed: list[int] = []
    for result in api_schema.get_all_operations():
        _exercise(result.ok(), token, parsed)
    assert 200 in parsed
    assert 404 in parsed


def _exercise(operation, token, parsed: list[int]):
    excluded = [positive_data_acceptance] if operation.path in SEMANTIC_INPUT else []

    @settings(
        max_examples=EXAMPLES_PER_OPERATION, deadline=None, database=None, suppress_health_check=list(HealthCheck)
    )
    @given(case=operation.as_strategy(), authorised=st.booleans())
    def check(case, authorised):
        response = case.call_and_validate(headers=bearer(token) if authorised else None, excluded_checks=excluded)
        # every FHIR body, answer or error, is a resource the R4B models accept
        if response.headers.get("content-type", [""])[0].startswith("application/fhir+json") and response.content:
            parse_fhir(response.json())
            parsed.append(response.status_code)

    check()
