"""In headless Chromium: customer service copies the customer's label link; label PDFs open beside the return."""

import pytest

from rma.models import ReturnState
from tests import browser
from tests.factories import return_in_state

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


@pytest.fixture
def authorized(staff):
    return return_in_state(ReturnState.AUTHORIZED, staff=staff)


def test_copy_puts_the_customers_link_on_the_clipboard_and_says_copied(authorized, staff, page, tmp_path):
    page.context.grant_permissions(["clipboard-read", "clipboard-write"])
    browser.sign_in(page, staff.customer_service.username)
    page.goto(f"/admin/rma/returnrequest/{authorized.pk}/change/")
    link = page.input_value("#customer-label-url")

    page.click("button[data-copy=customer-label-url]")

    page.wait_for_selector(".copy-field .copied:has-text('Copied')")
    assert page.evaluate("navigator.clipboard.readText()") == link
    page.locator("#panel-label").screenshot(path=str(tmp_path / "label-panel.png"))
    with page.expect_popup() as opened:
        page.click("#panel-label a:has-text('A4')")
    assert opened.value.url.endswith("/label/a4/")
    assert page.url.endswith(f"/admin/rma/returnrequest/{authorized.pk}/change/")  # the return stays open
