"""End to end in headless Chromium: an inspector works a return from the keyboard, finance pays it;
at 1024 px the lists keep in view the columns a decision is made on."""

import os

import pytest

from inspection import services as inspection_services
from inspection.models import Inspection
from rma.models import ReturnRequest, ReturnState
from tests import browser
from tests.factories import ClientFactory, PolicyFactory, disposition_all, order_for, requested_return, return_in_state

# serialized_rollback: the live server needs committed data, and the groups of the migration must survive.
pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

# Where the screenshots go, to look at them (the test passes or fails on the measurements alone).
SCREENSHOTS = os.environ.get("SCREENSHOT_DIR")


def screenshot(page, name: str) -> None:
    if SCREENSHOTS:
        page.screenshot(path=os.path.join(SCREENSHOTS, f"{name}.png"), full_page=True)


@pytest.fixture
def received(staff):
    return return_in_state(ReturnState.RECEIVED, staff=staff, units=3)


# The data comes before the page: it is made outside Playwright's event loop.
def test_inspector_and_finance_take_a_received_return_to_refunded(received, staff, page):
    rma, inspector, finance = received, staff.inspector, staff.finance

    browser.sign_in(page, inspector.username)
    page.goto("/admin/inspect/")
    page.wait_for_selector("#id_code:focus")  # the RAN field takes the keyboard on arrival
    page.keyboard.type(rma.ran.lower().replace("-", " "))
    with page.expect_navigation():  # waits for "load": the station's keyboard script is ready
        page.keyboard.press("Enter")

    # Unit 1 was not in the parcel: M, Enter, and Enter again on the confirmation.
    assert page.evaluate("document.activeElement.name") == "grade"
    page.keyboard.press("M")
    page.keyboard.press("Enter")
    page.wait_for_selector("#confirm-missing:focus")
    assert "Unit 1 was not in the parcel?" in page.inner_text("#confirm-missing-panel")
    with page.expect_navigation():
        page.keyboard.press("Enter")

    # Unit 2: Enter without a grade says which keys grade it; then A, Enter.
    unit_2 = page.url
    page.keyboard.press("Enter")
    assert "press A, B, C, D or F" in page.inner_text("#grade-needed")
    assert page.url == unit_2
    page.keyboard.press("A")
    with page.expect_navigation():
        page.keyboard.press("Enter")

    # Unit 3: B, then the defect category picked by its letter, and Enter saves from the list.
    page.keyboard.press("B")
    page.focus("#id_defect_category")
    page.keyboard.press("c")
    with page.expect_navigation():
        page.keyboard.press("Enter")

    assert page.is_visible("#confirm-dispositions:focus")
    decisions = page.inner_text("#dispositions-form")
    assert "Restock" in decisions and "50.00 EUR" in decisions
    screenshot(page, "station-dispositions")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    page.wait_for_selector("#id_code:focus")  # the next return
    assert ReturnRequest.objects.get(pk=rma.pk).state == ReturnState.DISPOSITIONED
    inspections = Inspection.objects.filter(item__return_request=rma).order_by("item__unit_number")
    assert [(i.missing, i.grade, i.defect_category) for i in inspections] == [
        (True, "", ""), (False, "A", ""), (False, "B", "cosmetic"),
    ]

    browser.sign_in(page, finance.username)
    page.goto("/admin/refunds/refund/")
    page.click("#result_list .field-amount_column a")
    page.click("#refund-approve")
    page.fill("#refund-actions input[name=reference]", "PSP-4711")
    page.click("#refund-issue")
    page.goto(f"/admin/rma/returnrequest/{rma.pk}/change/")
    assert page.inner_text("#return-state") == "Refunded"
    assert ReturnRequest.objects.get(pk=rma.pk).state == ReturnState.REFUNDED


@pytest.fixture
def crowded_lists(staff):
    """Refunds waiting with long names and addresses, and returns in several states."""
    for number in range(3):
        owner = ClientFactory(name=f"Nordlicht Outdoor Ausrüstung und Bekleidung {number}")
        PolicyFactory(client=owner, auto_authorize=False)
        order = order_for(owner, quantity=2, unit_price="1299.00", currency="USD")
        order.customer.email = f"maximiliane.mustermann-oberhausen.{number}@beispiel-versandhandel.example"
        order.customer.save()
        rma = return_in_state(ReturnState.RECEIVED, staff=staff, units=2, client=owner, order=order)
        for item in rma.items.order_by("unit_number"):
            missing = number == 1 and item.unit_number == 2  # a fraud signal in the queue
            inspection_services.record_inspection(
                item=item, actor=staff.inspector, grade="" if missing else "A", missing=missing,
                accessories_complete=True, original_packaging=True, matches_request=not missing,
            )
        disposition_all(ReturnRequest.objects.get(pk=rma.pk), staff)
    requested_return(staff=staff)
    return_in_state(ReturnState.RECEIVED, staff=staff)


def cells_outside_the_view(page, classes: list[str]) -> dict[str, list]:
    """Per column, the cells of #result_list not wholly in the viewport and its scrolled container."""
    return page.evaluate("""(classes) => {
        const view = document.documentElement.clientWidth;
        const box = document.querySelector("#result_list").parentElement.getBoundingClientRect();
        const right = Math.min(view, box.right);
        const outside = {};
        for (const name of classes) {
            const cells = [...document.querySelectorAll(`#result_list .${name}`)];
            outside[name] = cells.length ? cells.map((cell) => cell.getBoundingClientRect())
                .filter((r) => r.left < 0 || r.right > right + 0.5 || r.width === 0)
                .map((r) => [Math.round(r.left), Math.round(r.right)]) : ["no cells"];
        }
        return outside;
    }""", classes)


def test_at_1024_px_the_lists_keep_the_deciding_columns_in_view(crowded_lists, staff, page):
    page.set_viewport_size({"width": 1024, "height": 768})

    browser.sign_in(page, staff.finance.username)
    page.goto("/admin/refunds/refund/")
    screenshot(page, "refund-queue-1024")
    refund_columns = ["field-amount_column", "field-status", "field-signals_column", "field-waiting_column"]
    assert cells_outside_the_view(page, refund_columns) == {name: [] for name in refund_columns}
    assert "1,299.00 USD" in page.inner_text("#result_list")

    browser.sign_in(page, staff.manager.username)
    page.goto("/admin/rma/returnrequest/")
    screenshot(page, "returns-list-1024")
    return_columns = ["field-refund_column", "field-state_column", "field-age_column"]
    assert cells_outside_the_view(page, return_columns) == {name: [] for name in return_columns}

    assert page.evaluate("document.documentElement.scrollWidth") <= 1024  # no page-wide scroll either
