"""The OpenAPI schema: valid without a warning, and the API keeps to it whatever schemathesis sends."""

import pytest
import schemathesis
from django.core import signals
from django.core.management import call_command
from django.db import close_old_connections
from hypothesis import HealthCheck, settings
from schemathesis.checks import (
    content_type_conformance,
    not_a_server_error,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from returns_site.wsgi import application
from rma.states import ReturnState
from tests.api.conftest import KeyHolder
from tests.factories import order_for, return_in_state

CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_headers_conformance,
          response_schema_conformance]


def test_the_schema_validates_without_warnings(tmp_path):
    call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(tmp_path / "schema.yaml"))


def test_swagger_ui_is_served_from_this_site(client):
    page = client.get("/api/docs/")
    assert page.status_code == 200
    html = page.content.decode()
    assert "/static/drf_spectacular_sidecar/swagger-ui-dist/" in html
    assert "cdn" not in html.lower()
    assert "<script>" not in html  # split view: the page's script is a file of its own (CSP needs no inline)
    assert client.get("/api/schema/", HTTP_ACCEPT="application/json").status_code == 200


@pytest.fixture
def in_process_requests():
    """Requests keep the test's database connection open, as Django's test client does (a finished
    request would otherwise close it, and the test's transaction with it)."""
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    yield
    signals.request_started.connect(close_old_connections)
    signals.request_finished.connect(close_old_connections)


@pytest.fixture
def key_with_data(db):
    holder = KeyHolder(auto_authorize=False)
    order_for(holder.client, number="HW-10023")
    for state in (ReturnState.AUTHORIZED, ReturnState.DISPOSITIONED):
        return_in_state(state, client=holder.client)
    return holder.key


# Read in process, when the tests are collected: drawing the schema reads no database.
schema = schemathesis.openapi.from_wsgi("/api/schema/?format=json", application)


@schema.parametrize()
@settings(max_examples=15, deadline=None, suppress_health_check=list(HealthCheck))
def test_the_api_keeps_to_its_schema(case, key_with_data, in_process_requests):
    case.call_and_validate(headers={"Authorization": f"Token {key_with_data}"}, checks=CHECKS)
