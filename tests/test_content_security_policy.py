"""Every kind of page carries the Content-Security-Policy, and none holds an inline script or an inline
event handler the policy would block: each page's JavaScript is a static file."""

import re

import pytest
from django.contrib.auth.models import User
from django.test import Client
from django.urls import reverse

from rma import services as rma_services
from tests.console.conftest import console_user
from tests.factories import client_with_policy, return_in_state

POLICY = {
    "default-src": "'self'",
    "script-src": "'self'",
    "style-src": "'self' 'unsafe-inline'",
    "img-src": "'self' data:",
    "object-src": "'none'",
    "base-uri": "'self'",
    "form-action": "'self'",
    "frame-ancestors": "'none'",
}
INLINE_SCRIPT = re.compile(r"<script\b(?![^>]*\bsrc=)[^>]*>", re.I)
EVENT_HANDLER = re.compile(r"<[a-z][^>]*\son[a-z]+\s*=", re.I)
JAVASCRIPT_URL = re.compile(r"""(?:href|src|action)\s*=\s*["']?\s*javascript:""", re.I)

pytestmark = pytest.mark.django_db


def policy_of(response) -> dict[str, str]:
    directives = (part.strip().split(None, 1) for part in response["Content-Security-Policy"].split(";"))
    return {name: value for name, value in directives}


@pytest.fixture
def pages(staff):
    """The address of each kind of page, with the browser that may open it."""
    admin = Client()
    admin.force_login(User.objects.create_superuser("root", "root@example.com", "x"))
    received = return_in_state("received", staff=staff)
    refunded = return_in_state("refunded", staff=staff)
    merchant = console_user(refunded.client, "anna")
    console = Client()
    console.force_login(merchant)
    portal_client = client_with_policy(auto_authorize=True)
    return {
        "admin login": (Client(), reverse("admin:login")),
        "admin index": (admin, reverse("admin:index")),
        "returns changelist": (admin, reverse("admin:rma_returnrequest_changelist")),
        "return change form": (admin, reverse("admin:rma_returnrequest_change", args=[refunded.pk])),
        "client add form": (admin, reverse("admin:rma_client_add")),
        "user change form": (admin, reverse("admin:auth_user_change", args=[merchant.pk])),
        "dock": (admin, reverse("admin:dock")),
        "inspection station": (admin, reverse("admin:inspection_station")),
        "station unit": (admin, reverse("admin:inspection_station_unit", args=[received.pk, 1])),
        "reports": (admin, reverse("admin:reports")),
        "portal start": (Client(), reverse("portal:start", kwargs={"client_code": portal_client.code})),
        "portal status": (Client(), reverse("portal:status", kwargs={"client_code": portal_client.code})),
        "api docs": (Client(), reverse("api:docs")),
        "console login": (Client(), reverse("console:login")),
        "console returns": (console, reverse("console:returns")),
        "console return": (console, reverse("console:return", args=[refunded.pk])),
    }


def assert_strict(name: str, response) -> None:
    assert response.status_code == 200, name
    assert policy_of(response) == POLICY, name
    html = response.content.decode()
    assert not INLINE_SCRIPT.findall(html), f"{name}: inline <script>"
    assert not EVENT_HANDLER.findall(html), f"{name}: inline event handler"
    assert not JAVASCRIPT_URL.findall(html), f"{name}: javascript: URL"


def test_every_kind_of_page_has_the_policy_and_no_inline_script(pages):
    for name, (browser, address) in pages.items():
        assert_strict(name, browser.get(address))


def test_the_new_webhook_secret_page_copies_without_an_inline_script(client, staff):
    client.force_login(staff.manager)

    shop = client_with_policy()
    replacing = rma_services.secret_fingerprint(shop.webhook_secret)

    shown = client.post(reverse("admin:rma_client_webhook_secret", args=[shop.pk]), {"replacing": replacing})

    assert_strict("new webhook secret", shown)
    assert 'data-copy="webhook-secret"' in shown.content.decode()


def test_the_api_docs_script_is_a_file_of_its_own():
    page = Client().get(reverse("api:docs")).content.decode()
    script = re.search(r'<script src="([^"]*script=[^"]*)"', page).group(1).replace("&amp;", "&")

    response = Client().get(script)

    assert response.status_code == 200 and response["Content-Type"].startswith("application/javascript")
    assert "SwaggerUIBundle(" in response.content.decode()
