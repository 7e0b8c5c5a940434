"""End to end in headless Chromium: an inspector works a return from the keyboard, finance pays it."""

import pytest

from rma.models import ReturnRequest, ReturnState
from tests import browser
from tests.factories import return_in_state

# serialized_rollback: the live server needs committed data, and the groups of the migration must survive.
pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


@pytest.fixture
def received(staff):
    return return_in_state(ReturnState.RECEIVED, staff=staff, units=2)


# The data comes before the page: it is made outside Playwright's event loop.
def test_inspector_and_finance_take_a_received_return_to_refunded(received, staff, page):
    rma, inspector, finance = received, staff.inspector, staff.finance

    browser.sign_in(page, inspector.username)
    page.goto("/admin/inspect/")
    page.wait_for_selector("#id_code:focus")  # the RAN field takes the keyboard on arrival
    page.keyboard.type(rma.ran.lower().replace("-", " "))
    with page.expect_navigation():  # waits for "load": the station's keyboard script is ready
        page.keyboard.press("Enter")
    for grade in ("A", "B"):
        page.keyboard.press(grade)
        assert page.is_checked(f"input[name=grade][value={grade}]")
        with page.expect_navigation():
            page.keyboard.press("Enter")
    assert "restock" in page.inner_text("#dispositions-form")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    page.wait_for_selector("#find-return")
    assert ReturnRequest.objects.get(pk=rma.pk).state == ReturnState.DISPOSITIONED

    browser.sign_in(page, finance.username)
    page.goto("/admin/refunds/refund/")
    page.click("#result_list .field-amount_column a")
    page.click("#refund-approve")
    page.fill("#refund-actions input[name=reference]", "PSP-4711")
    page.click("#refund-issue")
    page.goto(f"/admin/rma/returnrequest/{rma.pk}/change/")
    assert page.inner_text("#return-state") == "Refunded"
    assert ReturnRequest.objects.get(pk=rma.pk).state == ReturnState.REFUNDED
