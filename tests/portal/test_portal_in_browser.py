"""In headless Chromium, on a phone-sized screen: a customer returns a tee on the client's portal, by keyboard
where it matters, with an accessibility check (axe-core) of every page on the way."""

from pathlib import Path

import pytest
from axe_playwright_python.sync_playwright import Axe

from rma.models import ReturnRequest, ReturnState
from tests.tools import barcodes_on_pages

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

PHONE = {"width": 360, "height": 780}
SCREENSHOTS = Path("/tmp/portal-screenshots")


def accessibility_problems(page) -> list[str]:
    """The serious and critical axe-core violations of the page, one line each."""
    violations = Axe().run(page).response["violations"]
    return [
        f"{violation['id']}: {[node['target'] for node in violation['nodes']]}"
        for violation in violations if violation["impact"] in ("serious", "critical")
    ]


def fits_the_phone(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]


def screenshot(page, tmp_path, name: str) -> None:
    SCREENSHOTS.mkdir(exist_ok=True)
    for folder in (tmp_path, SCREENSHOTS):
        page.screenshot(path=str(folder / f"{name}.png"), full_page=True)


def test_a_customer_returns_a_unit_follows_it_and_cancels_it_on_a_phone(order, page, tmp_path):
    page.set_viewport_size(PHONE)
    page.goto(f"/returns/{order.client.code}/")
    assert accessibility_problems(page) == []
    assert fits_the_phone(page)

    # A wrong email: the same answer an unknown order gets.
    page.fill("#id_order_number", order.number)
    page.fill("#id_email", "someone@example.com")
    page.press("#id_email", "Enter")
    page.wait_for_selector(".error-summary")
    assert "We could not find an order with this number and email address." in page.inner_text(".error-summary")
    assert accessibility_problems(page) == []

    page.fill("#id_email", order.customer.email)
    page.press("#id_email", "Enter")
    page.wait_for_selector("text=What would you like to return?")
    sale = page.locator(".line", has_text="Sale scarf")
    assert "Cannot be returned: It was a final sale item." in sale.inner_text()
    assert accessibility_problems(page) == []
    assert fits_the_phone(page)
    screenshot(page, tmp_path, "order-360")

    # By keyboard: tick the first tee, choose its reason, pick store credit, send.
    tee = order.lines.get(line_number=1)
    page.focus(f"#id_unit-{tee.pk}-1-return")
    page.keyboard.press("Space")
    page.keyboard.press("Tab")
    page.select_option(f"#id_unit-{tee.pk}-1-reason", "size_fit")
    page.check("input[name=refund_method][value=store_credit]")
    page.focus("button.primary")
    page.keyboard.press("Enter")

    page.wait_for_selector("#ran")
    rma = ReturnRequest.objects.get()
    assert page.inner_text("#ran") == rma.ran
    assert page.inner_text("#state") == "Approved: please send your parcel"
    assert accessibility_problems(page) == []
    assert fits_the_phone(page)
    screenshot(page, tmp_path, "return-360")

    label = page.request.get(page.get_attribute("#label-link", "href"))
    assert label.headers["content-type"] == "application/pdf"
    assert [rma.ran] in barcodes_on_pages(label.body(), tmp_path)

    # Later, from the email's link: RAN + email open the return's page, where the customer cancels.
    page.context.clear_cookies()
    page.goto(f"/returns/{order.client.code}/status/?ran={rma.ran}")
    assert accessibility_problems(page) == []
    page.fill("#id_email", order.customer.email)
    page.press("#id_email", "Enter")
    page.wait_for_selector("#ran")
    with page.expect_navigation():
        page.click("button:has-text('Cancel this return')")
    page.wait_for_selector(".message")

    assert page.inner_text(".message") == "Your return is cancelled."
    assert page.inner_text("#state") == "Cancelled"
    assert ReturnRequest.objects.get().state == ReturnState.CANCELLED
    assert accessibility_problems(page) == []

    # The language switch, by keyboard: the same page in German.
    page.focus("button[name=language][value=de]")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert page.get_attribute("html", "lang") == "de"
    assert page.inner_text("#state") == "Storniert"
    assert accessibility_problems(page) == []
    screenshot(page, tmp_path, "cancelled-de-360")
