"""End to end in headless Chromium: the dock scans a burst of parcels from the keyboard without waiting."""

import pytest

from rma.models import ReceivingScan, ReturnRequest, ReturnState, UnexpectedParcel
from tests import browser
from tests.factories import one_symbol_changed, return_in_state

# serialized_rollback: the live server needs committed data, and the groups of the migration must survive.
pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


@pytest.fixture
def parcels(staff):
    return (
        return_in_state(ReturnState.AUTHORIZED, staff=staff),
        return_in_state(ReturnState.IN_TRANSIT, staff=staff),
        return_in_state(ReturnState.AUTHORIZED, staff=staff),
    )


# The data comes before the page: it is made outside Playwright's event loop.
def test_a_burst_of_scans_is_answered_in_order_and_the_database_agrees(parcels, staff, page):
    first, second, third = parcels
    burst = [
        (first.ran, "received"),
        (one_symbol_changed(second.ran), "mistyped"),
        (second.ran.lower().replace("-", " "), "received"),
        ("JJD014600006837452911", "unknown"),
        (first.ran, "duplicate"),
        (third.ran, "received"),
    ]
    browser.sign_in(page, staff.dock.username)
    page.goto("/admin/dock/")
    page.wait_for_selector("#dock-scan:focus")

    for code, _ in burst:  # as a scanner does: the characters, then Enter, never waiting for an answer
        page.keyboard.type(code)
        page.keyboard.press("Enter")
    assert page.locator("#dock-scans li").count() == len(burst)  # every scan is listed at once, answered or not
    page.wait_for_function(f"document.querySelectorAll('#dock-scans li[data-scan]').length === {len(burst)}")

    rows = page.locator("#dock-scans li")
    newest_first = list(reversed(burst))
    assert rows.locator("code").all_inner_texts() == [code for code, _ in newest_first]
    assert [badge.get_attribute("class") for badge in rows.locator(".dock-badge").all()] == [
        f"dock-badge result-{result}" for _, result in newest_first
    ]
    assert page.get_attribute("#dock-result", "class") == "dock-result result-received"
    assert third.ran in page.inner_text("#dock-result")
    assert page.evaluate("document.activeElement.id") == "dock-scan"
    assert list(ReceivingScan.objects.order_by("id").values_list("code", "result")) == burst
    assert {rma.state for rma in ReturnRequest.objects.all()} == {ReturnState.RECEIVED}
    assert UnexpectedParcel.objects.get().code == "JJD014600006837452911"
