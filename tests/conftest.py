import os

import pytest
from django.core.cache import cache
from django.db import connection, connections

from rma import services as rma_services
from rma.models import Client
from tests import browser, tools
from tests.factories import Staff, client_with_policy
from tests.outbox.receiver import Receiver, start


@pytest.fixture(autouse=True)
def media_in_tmp(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture(autouse=True)
def local_webhook_receivers(settings):
    """Tests receive webhooks on 127.0.0.1; tests of the address check turn this off again."""
    settings.OUTBOX_ALLOW_PRIVATE_URLS = True


@pytest.fixture(autouse=True)
def fast_password_hashing(settings):
    # Staff users are made in almost every test; the production hasher is slow on purpose.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def empty_cache():
    # The cache outlives a test (local memory): one test's dashboard figures must not show in the next.
    cache.clear()


@pytest.fixture(autouse=True)
def facility_on_utc(settings):
    # Test data writes its times in UTC, days starting at midnight there; a test about the zone sets its own.
    settings.TIME_ZONE = "UTC"


@pytest.fixture
def staff(db) -> Staff:
    return Staff()


@pytest.fixture
def postgres_only():
    """Row locks and concurrent sessions need the real database."""
    if connection.vendor != "postgresql":
        tools.missing("needs PostgreSQL: set DATABASE_URL (make test does)")


@pytest.fixture
def page(live_server):
    """A headless Chromium page on the live server. Request data fixtures before it: data made while
    Playwright's event loop runs may sit on a connection of its own greenlet context."""
    sync_api = pytest.importorskip("playwright.sync_api", reason="Playwright is not installed (make test does)")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"  # the test's own ORM calls stay synchronous
    with sync_api.sync_playwright() as playwright:
        chromium = browser.launch(playwright)
        context = chromium.new_context(base_url=live_server.url, viewport={"width": 1400, "height": 1000})
        yield context.new_page()
        chromium.close()
        connections.close_all()


@pytest.fixture
def receiver():
    """A client's system taking webhooks on 127.0.0.1 (tests.outbox.receiver), stopped after the test."""
    receiver = Receiver()
    server = start(receiver)
    yield receiver
    server.shutdown()
    server.server_close()


@pytest.fixture
def merchant(receiver, staff):
    """A client whose system takes webhooks at the receiver, with a secret a manager generated (its `secret`)."""
    client = client_with_policy(auto_authorize=False)
    Client.objects.filter(pk=client.pk).update(webhook_url=receiver.url)
    client.refresh_from_db()
    client.secret = rma_services.generate_webhook_secret(client=client, actor=staff.manager)
    return client
