"""In headless Chromium at phone width: a customer finds their order, returns a unit, prints the label,
follows the return and cancels it; the pages pass axe-core."""

import pytest
from axe_playwright_python.sync_playwright import Axe

from tests import tools
from tests.factories import client_with_policy, order_for

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


@pytest.fixture
def order():
    shop = client_with_policy(final_sale_categories=["clearance"], store_credit_bonus_percent="10")
    order = order_for(shop, lines=2)
    last = order.lines.get(line_number=2)
    last.category, last.sku = "clearance", "TEE-SALE"
    last.save()
    return order


def serious_violations(page) -> list[str]:
    found = Axe().run(page).response["violations"]
    return [f"{v['id']}: {v['help']}" for v in found if v["impact"] in ("serious", "critical")]


def test_a_customer_returns_a_unit_prints_the_label_and_cancels(order, page, tmp_path):
    code = order.client.code
    page.set_viewport_size({"width": 360, "height": 800})
    page.goto(f"/returns/{code}/")
    assert serious_violations(page) == []
    page.fill("#id_number", order.number)
    page.fill("#id_email", "someone.else@example.com")
    page.keyboard.press("Enter")
    page.wait_for_selector("[role=alert]:has-text('We could not find an order')")

    page.fill("#id_email", order.customer.email)
    page.keyboard.press("Enter")
    page.wait_for_selector("text=Cannot be returned: this item was a final sale.")
    assert serious_violations(page) == []
    line = order.lines.get(line_number=1)
    page.fill(f"#id_quantity_{line.pk}", "1")
    page.select_option(f"#id_reason_{line.pk}", "size_fit")
    page.check("text=Store credit with a 10% bonus")
    page.screenshot(path="/tmp/portal-order-360.png", full_page=True)
    assert page.evaluate("document.documentElement.scrollWidth") <= 360  # nothing sideways on a phone
    page.click("button:has-text('Request the return')")

    page.wait_for_selector("text=Download the return label (PDF)")
    rma = order.returns.get()
    assert rma.ran in page.inner_text("main")
    assert serious_violations(page) == []
    label = page.request.get(page.get_attribute("a.button", "href"))
    assert label.headers["content-type"] == "application/pdf"
    assert any(rma.ran in codes for codes in tools.barcodes_on_pages(label.body(), tmp_path))

    page.context.clear_cookies()
    page.goto(f"/returns/{code}/status/find/")
    page.fill("#id_ran", rma.ran)
    page.fill("#id_email", order.customer.email)
    page.keyboard.press("Enter")
    page.wait_for_selector("text=pack the items")
    page.click("button:has-text('Cancel this return')")
    page.wait_for_selector("text=This return was cancelled.")
    page.screenshot(path="/tmp/portal-status-360.png", full_page=True)
    rma.refresh_from_db()
    assert rma.state == "cancelled"


def test_the_portal_in_german(order, page):
    client = order.client
    client.languages = ["de", "en"]
    client.save()
    page.set_viewport_size({"width": 360, "height": 800})
    page.goto(f"/returns/{client.code}/")
    page.click("button[lang=de]")
    page.wait_for_selector("label:has-text('Bestellnummer')")
    assert serious_violations(page) == []
