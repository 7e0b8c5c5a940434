"""/healthz, the request id and the JSON log lines, as a load balancer and a log collector see them."""

import io
import json
import logging

import pytest

from core.logs import JsonFormatter, LogContextFilter
from tests import tools
from tests.reports.test_export_worker import REDIS_URL, redis_answers


@pytest.fixture
def json_log():
    """What the root logger writes, formatted as production's LOG_FORMAT=json writes it."""
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.addFilter(LogContextFilter())
    handler.setFormatter(JsonFormatter())
    root = logging.getLogger()
    root.addHandler(handler)
    yield lambda: [json.loads(line) for line in stream.getvalue().splitlines()]
    root.removeHandler(handler)


def test_healthz_answers_ok_with_the_database_and_no_broker_configured(client, db, settings):
    settings.REDIS_URL = ""

    response = client.get("/healthz")

    assert response.status_code == 200
    assert response.json() == {"database": "ok", "broker": "in-process"}
    assert response["Cache-Control"] == "no-store"


def test_healthz_pings_redis_when_it_is_the_broker(client, db, settings):
    if not redis_answers(REDIS_URL):
        tools.missing(f"needs Redis at {REDIS_URL}")
    settings.REDIS_URL = REDIS_URL

    assert client.get("/healthz").json() == {"database": "ok", "broker": "ok"}


def test_healthz_is_a_503_naming_the_broker_when_redis_does_not_answer(client, db, settings):
    settings.REDIS_URL = "redis://127.0.0.1:1/0"  # nothing listens on port 1

    response = client.get("/healthz")

    assert response.status_code == 503
    assert response.json() == {"database": "ok", "broker": "unavailable"}


def test_healthz_needs_no_login_no_https_and_answers_any_host(client, db, settings):
    # As production serves it behind a proxy, probed over plain http by the load balancer's own address.
    settings.SECURE_SSL_REDIRECT = True
    settings.ALLOWED_HOSTS = ["returns.example.com"]
    settings.REDIS_URL = ""

    response = client.get("/healthz", HTTP_HOST="10.0.0.7:8000")

    assert response.status_code == 200
    assert client.get("/admin/", HTTP_HOST="returns.example.com").status_code == 301  # everything else redirects


def test_every_response_carries_a_new_request_id(client, db):
    first, second = client.get("/admin/login/"), client.get("/admin/login/")

    assert len(first["X-Request-ID"]) == 32 and first["X-Request-ID"] != second["X-Request-ID"]


@pytest.mark.parametrize("sent, kept", [
    ("req-7f3a9c21-edge", True),
    ("0b6d2c1e-45aa-4b7e-9a3d-5c1f00e2a7b4", True),
    ("short", False),
    ("x" * 129, False),
    ('evil" "level": "CRITICAL', False),
])
def test_a_well_formed_incoming_request_id_is_kept_and_anything_else_replaced(client, db, sent, kept):
    response = client.get("/admin/login/", HTTP_X_REQUEST_ID=sent)

    assert (response["X-Request-ID"] == sent) is kept
    assert len(response["X-Request-ID"]) == 32 or kept


def test_every_log_line_of_a_request_is_json_with_its_request_id(client, db, json_log):
    response = client.get("/admin/login/", HTTP_X_REQUEST_ID="edge-request-0001")

    [line] = [entry for entry in json_log() if entry["logger"] == "returns_site.requests"]
    assert line["request_id"] == response["X-Request-ID"] == "edge-request-0001"
    assert (line["method"], line["path"], line["status"]) == ("GET", "/admin/login/", 200)
    assert line["level"] == "INFO" and line["message"] == "GET /admin/login/ 200" and "time" in line


def test_a_task_logs_with_its_task_id(json_log):
    from celery import shared_task

    @shared_task(name="tests.ops.log_something")
    def log_something():
        logging.getLogger("outbox").warning("tried a message")

    result = log_something.apply()

    [line] = [entry for entry in json_log() if entry["logger"] == "outbox"]
    assert line["task_id"] == result.id and "request_id" not in line
