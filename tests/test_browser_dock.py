"""End to end in headless Chromium: the dock scans a burst of parcels from the keyboard without waiting,
and a carrier's barcode, whose answer sounds and whose lost answer is retried without a second record."""

import pytest

from rma import services as rma_services
from rma.models import ReceivingScan, ReturnRequest, ReturnState, ScanResult, UnexpectedParcel
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
    # A locator, not wait_for_function: the page's Content-Security-Policy forbids the eval that one needs.
    page.locator("#dock-scans li:not([data-scan])").first.wait_for(state="detached")

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


UPS = "1Z999AA10123456784"
# Keeps every oscillator the page makes, so the test hears what the operator would.
RECORD_TONES = """
window.oscillators = [];
const createOscillator = BaseAudioContext.prototype.createOscillator;
BaseAudioContext.prototype.createOscillator = function () {
  const oscillator = createOscillator.call(this);
  window.oscillators.push(oscillator);
  return oscillator;
};
"""
NOTES_PLAYED = "window.oscillators.map((o) => `${o.type} ${o.frequency.value}`)"


@pytest.fixture
def on_its_way(staff):
    rma = return_in_state(ReturnState.IN_TRANSIT, staff=staff)
    return rma_services.set_tracking(rma=rma, actor=staff.customer_service, carrier="UPS", tracking_number=UPS)


def test_the_carriers_barcode_receives_the_return_once_and_sounds_unlike_a_bad_scan(on_its_way, staff, page):
    rma, lost_answers = on_its_way, []

    def lose_the_first_answer(route):  # the server records the scan; its answer never reaches the page
        if lost_answers:
            route.continue_()
        else:
            lost_answers.append(route.fetch().status)
            route.abort("connectionreset")

    page.add_init_script(RECORD_TONES)
    page.route("**/admin/dock/scan/", lose_the_first_answer)
    browser.sign_in(page, staff.dock.username)
    page.goto("/admin/dock/")
    page.wait_for_selector("#dock-scan:focus")

    page.keyboard.type(UPS)
    page.keyboard.press("Enter")
    page.wait_for_selector("#dock-result.result-received")  # after the page's retry
    assert rma.ran in page.inner_text("#dock-result") and UPS in page.inner_text("#dock-result")
    assert page.get_attribute("#dock-result", "data-tone") == "success"
    success = page.evaluate(NOTES_PLAYED)

    page.keyboard.type(UPS)
    page.keyboard.press("Enter")
    page.wait_for_selector("#dock-result.result-duplicate")
    assert page.get_attribute("#dock-result", "data-tone") == "alert"
    alert = page.evaluate(NOTES_PLAYED)[len(success):]

    assert success and alert and not set(success) & set(alert)
    assert lost_answers == [200]
    assert list(ReceivingScan.objects.order_by("id").values_list("result", flat=True)) == [
        ScanResult.RECEIVED, ScanResult.DUPLICATE,
    ]
    assert ReturnRequest.objects.get(pk=rma.pk).state == ReturnState.RECEIVED
    assert rma.events.filter(action="receive").count() == 1
