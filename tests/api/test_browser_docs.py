"""Swagger UI in Chromium: it draws every operation from files this site serves, with no inline script."""

import os

import pytest

from tests import browser
from tests.factories import client_account, client_with_policy, user_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]
SCREENSHOTS = os.environ.get("SCREENSHOT_DIR")


def test_swagger_ui_draws_the_api_offline(live_server, page):
    elsewhere = []  # what the page asks of any other host: nothing, as facilities may have no internet
    page.route("**/*", lambda route: route.continue_() if route.request.url.startswith(live_server.url)
               else (elsewhere.append(route.request.url), route.abort()))
    page.goto("/api/docs/")
    page.wait_for_selector(".opblock-summary-path")
    paths = {element.inner_text() for element in page.query_selector_all(".opblock-summary-path")}
    assert {"/api/v1/orders/", "/api/v1/returns/{id}/label/", "/api/v1/events/"} <= {p.replace("\u200b", "")
                                                                                       for p in paths}
    assert elsewhere == []
    if SCREENSHOTS:
        page.screenshot(path=os.path.join(SCREENSHOTS, "api-docs.png"))


def test_the_key_screen_shows_a_new_key_once(page):
    account = client_account(client_with_policy()).client_account
    manager = user_in("manager")
    browser.sign_in(page, manager.username)
    page.goto("/admin/api/apikey/issue/")
    page.select_option("#id_account", str(account.pk))
    page.fill("#id_name", "shop backend")
    page.click("input[type=submit]")
    key = page.inner_text("#api-key")
    assert key.startswith("rk_")
    if SCREENSHOTS:
        page.screenshot(path=os.path.join(SCREENSHOTS, "api-key-issued.png"))
    page.goto("/admin/api/apikey/")
    assert key not in page.content()
    assert "shop backend" in page.content()
