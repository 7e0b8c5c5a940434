"""The deployment of docs/deployment.md, exercised: gunicorn (deploy/gunicorn.conf.py, two web processes)
and a Celery worker as real processes on the test database and Redis. One return walks the lifecycle over
HTTP, the client's system through the API and the floor through the admin, and the worker delivers every
webhook, the refund's included, whose reply completes the refund."""

import datetime as dt
import json
import os
import signal
import socket
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest
import requests
from django.contrib.auth.hashers import PBKDF2PasswordHasher
from django.contrib.auth.models import User
from django.utils import timezone
from standardwebhooks import Webhook

from api.services import issue_api_key
from disposition.services import recommend_disposition
from refunds.models import Refund, RefundStatus
from rma import services as rma_services
from rma.models import Client, ReturnItem
from tests.factories import Staff, client_account, client_with_policy
from tests.outbox.receiver import Answer
from tests.outbox.test_crash import wait_for
from tests.reports.test_export_worker import REDIS_URL, database_url_of_the_tests, redis_broker, worker  # noqa: F401

ROOT = Path(__file__).resolve().parents[2]
STARTUP_SECONDS = 30
PASSWORD = "floor-password-1"  # a test user's, for the login form
GOOD_UNIT = {"grade": "A", "matches_request": "on", "accessories_complete": "on", "original_packaging": "on"}
EVERY_STEP = ["return.authorized", "return.received", "return.inspected", "return.dispositioned",
              "refund.requested", "return.refunded"]


@dataclass
class Web:
    url: str
    log: Path

    def json_lines(self) -> list[dict]:
        return [json.loads(line) for line in self.log.read_text().splitlines() if line.startswith("{")]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def deployment(transactional_db, monkeypatch, request, settings, tmp_path):
    """gunicorn and a Celery worker, as production runs them (JSON logs), sharing this test's media folder."""
    monkeypatch.setenv("OUTBOX_ALLOW_PRIVATE_URLS", "true")  # the client's system is the receiver on 127.0.0.1
    monkeypatch.setenv("LOG_FORMAT", "json")
    worker_log = request.getfixturevalue("worker")
    port = free_port()
    env = {
        **os.environ, "DATABASE_URL": database_url_of_the_tests(), "REDIS_URL": REDIS_URL,
        "MEDIA_ROOT": str(settings.MEDIA_ROOT), "BIND": f"127.0.0.1:{port}", "WEB_CONCURRENCY": "2",
    }
    web = Web(url=f"http://127.0.0.1:{port}", log=tmp_path / "gunicorn.log")
    with web.log.open("w") as output:
        process = subprocess.Popen([sys.executable, "-m", "gunicorn", "-c", "deploy/gunicorn.conf.py"],
                                   cwd=ROOT, env=env, stdout=output, stderr=subprocess.STDOUT)
    try:
        if not wait_for(lambda: healthy(web.url) or process.poll() is not None, seconds=STARTUP_SECONDS) or (
            process.poll() is not None
        ):
            pytest.fail(f"gunicorn did not start:\n{web.log.read_text()}")
        yield web, worker_log
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()


def healthy(url: str) -> bool:
    try:
        return requests.get(f"{url}/healthz", timeout=5).status_code == 200
    except requests.RequestException:  # not listening yet, or still loading the application
        return False


def with_password(user: User) -> User:
    """The user with a password the server's own (default) hasher checks; the tests' fast one is not there."""
    hasher = PBKDF2PasswordHasher()
    User.objects.filter(pk=user.pk).update(password=hasher.encode(PASSWORD, hasher.salt()))
    return user


def signed_in(base: str, user: User) -> requests.Session:
    """A browser session of the back office: the admin's login form, then its CSRF token on every POST."""
    session = requests.Session()
    session.get(f"{base}/admin/login/", timeout=10)
    answer = session.post(f"{base}/admin/login/", timeout=10, allow_redirects=False, data={
        "username": user.username, "password": PASSWORD, "next": "/admin/",
        "csrfmiddlewaretoken": session.cookies["csrftoken"],
    })
    assert answer.status_code == 302, answer.text[:2000]
    session.headers["X-CSRFToken"] = session.cookies["csrftoken"]  # a new token since the login
    return session


def order_of_the_shop(number: str) -> dict:
    return {
        "number": number,
        "customer": {"email": "anna@example.com", "name": "Anna Berg", "address_line1": "Hafenstraße 1",
                     "city": "Hamburg", "postal_code": "20457", "country": "DE"},
        "ordered_at": (timezone.now() - dt.timedelta(days=6)).isoformat(),
        "delivered_at": (timezone.now() - dt.timedelta(days=3)).isoformat(),
        "payment_method": "card", "payment_reference": "pay_8321", "currency": "EUR",
        "lines": [{"line_number": 1, "sku": "JKT-RAIN-M", "description": "Rain jacket, M", "category": "outerwear",
                   "quantity": 1, "unit_price": "129.90"}],
    }


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_one_return_walks_the_lifecycle_over_http_on_gunicorn_and_a_celery_worker(deployment, receiver):
    web, worker_log = deployment
    receiver.answers = [Answer(200, body={"reference": "PSP-9"})]  # the client's payment system pays at once
    staff = Staff()
    shop = client_with_policy(auto_authorize=True)
    Client.objects.filter(pk=shop.pk).update(webhook_url=receiver.url)
    secret = rma_services.generate_webhook_secret(client=Client.objects.get(pk=shop.pk), actor=staff.manager)
    key = issue_api_key(account=client_account(shop).client_account, actor=staff.manager, name="shop").key
    api = requests.Session()
    api.headers["Authorization"] = f"Token {key}"
    floor, finance = signed_in(web.url, with_password(staff.manager)), signed_in(web.url, with_password(staff.finance))

    # The shop's system: the order, the return (authorized at once by the policy), the parcel's tracking.
    assert api.post(f"{web.url}/api/v1/orders/", json=order_of_the_shop("HW-1"), timeout=10).status_code == 201
    created = api.post(f"{web.url}/api/v1/returns/", timeout=10, headers={"X-Request-ID": "shop-req-00000001"},
                       json={"order_number": "HW-1", "items": [{"line_number": 1, "reason": "defective"}]})
    assert created.status_code == 201, created.text
    rma_id, ran = created.json()["id"], created.json()["ran"]
    assert created.json()["state"] == "authorized"
    shipped = api.post(f"{web.url}/api/v1/returns/{rma_id}/tracking/", timeout=10,
                       json={"carrier": "DHL", "tracking_number": "JJD000390007"})
    assert shipped.json()["tracking_number"] == "JJD000390007", shipped.text

    # The floor: the dock scans the parcel, the unit is inspected and its disposition confirmed.
    scan = floor.post(f"{web.url}/admin/dock/scan/", data={"code": ran}, headers={"Accept": "application/json"},
                      timeout=10)
    assert scan.json()["result"] == "received", scan.text
    assert floor.post(f"{web.url}/admin/inspect/{rma_id}/unit/1/", data=GOOD_UNIT, timeout=10).ok
    unit = ReturnItem.objects.get(return_request_id=rma_id)
    action = recommend_disposition(item=unit).action
    assert floor.post(f"{web.url}/admin/inspect/{rma_id}/dispositions/", data={f"unit{unit.pk}-action": action},
                      timeout=10).ok

    # Finance approves and issues the proposed refund: sent to the shop's system, whose reply completes it.
    refund = Refund.objects.get(return_request_id=rma_id)
    assert refund.status == RefundStatus.PENDING_APPROVAL
    assert finance.post(f"{web.url}/admin/refunds/refund/{refund.pk}/act/approve/", timeout=10).ok
    assert finance.post(f"{web.url}/admin/refunds/refund/{refund.pk}/act/issue/", data={"reference": ""},
                        timeout=10).ok

    def webhook_types() -> list[str]:
        return [json.loads(hook.body)["type"] for hook in receiver.received]

    assert wait_for(lambda: set(EVERY_STEP) <= set(webhook_types()), seconds=20), (
        f"{webhook_types()}\n{worker_log.read_text()[-3000:]}"
    )
    read = api.get(f"{web.url}/api/v1/returns/{rma_id}/", timeout=10).json()
    assert read["state"] == "refunded" and read["refund"]["status"] == "issued", read
    for hook in receiver.received:
        Webhook(secret).verify(hook.body, hook.headers)
    # The worker delivered them (the web processes hand tasks to Redis), each log line with its task id.
    worker_lines = [json.loads(line) for line in worker_log.read_text().splitlines() if line.startswith("{")]
    assert any(line.get("task_id") and "outbox" in line["message"] for line in worker_lines), worker_lines[-20:]
    # Every request logged once, as JSON with its request id; the shop's own id kept and echoed.
    assert created.headers["X-Request-ID"] == "shop-req-00000001"
    assert {"method": "POST", "path": "/api/v1/returns/", "status": 201} | {"request_id": "shop-req-00000001"} in [
        {field: line.get(field) for field in ("method", "path", "status", "request_id")} for line in web.json_lines()
    ]
    assert requests.get(f"{web.url}/healthz", timeout=5).json() == {"database": "ok", "broker": "ok"}
