"""The customer return portal, as a customer's browser (Django's test client) sees it."""

import datetime as dt
from io import BytesIO

import pytest
from django.core.cache import cache
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client as Browser
from django.utils import timezone
from django.utils.formats import date_format
from PIL import Image

from portal import limits
from rma.models import ReturnState
from rma.services import shipping
from tests.factories import Staff, client_with_policy, order_for

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def fresh_limits():
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def shop():
    return client_with_policy(
        store_credit_bonus_percent="10", final_sale_categories=["clearance"], packing_instructions="Use the box.",
    )


@pytest.fixture
def order(shop):
    order = order_for(shop, lines=2)
    last = order.lines.get(line_number=2)
    last.category = "clearance"
    last.save()
    return order


def found(browser, shop, order, email=None):
    return browser.post(f"/returns/{shop.code}/", {"number": order.number, "email": email or order.customer.email})


def submit(browser, shop, order, **extra):
    line = order.lines.get(line_number=1)
    data = {f"quantity_{line.pk}": "1", f"reason_{line.pk}": "size_fit", "refund_method": "store_credit", **extra}
    return browser.post(f"/returns/{shop.code}/order/", data)


def test_the_lookup_page_speaks_in_the_clients_name(shop):
    shop.portal_welcome = "Returns are free within 30 days."
    shop.save()
    page = Browser().get(f"/returns/{shop.code}/").content.decode()
    assert shop.name in page and "Returns are free within 30 days." in page and 'name="csrfmiddlewaretoken"' in page


def test_an_unknown_client_is_not_found():
    assert Browser().get("/returns/nobody/").status_code == 404


def test_a_wrong_email_and_an_unknown_order_get_the_same_answer(shop, order):
    wrong_email = Browser().post(f"/returns/{shop.code}/", {"number": order.number, "email": "x@example.com"})
    unknown = Browser().post(f"/returns/{shop.code}/", {"number": "NO-SUCH", "email": order.customer.email})
    assert wrong_email.status_code == unknown.status_code == 200
    assert "We could not find an order with this number and email address" in wrong_email.content.decode()
    strip = (order.number, "NO-SUCH", "x@example.com", order.customer.email)
    first, second = wrong_email.content.decode(), unknown.content.decode()
    for text in strip:
        first, second = first.replace(text, ""), second.replace(text, "")
    assert first.split('name="csrfmiddlewaretoken"')[0] == second.split('name="csrfmiddlewaretoken"')[0]


def test_bad_input_is_a_form_error(shop):
    response = Browser().post(f"/returns/{shop.code}/", {"number": "", "email": "not-an-email"})
    assert response.status_code == 200 and "Enter a valid email address." in response.content.decode()


def test_an_order_of_another_client_is_not_found_on_this_clients_portal(shop):
    other = order_for(client_with_policy())
    response = found(Browser(), shop, other)
    assert "We could not find an order" in response.content.decode()


def test_lookups_are_rate_limited_per_order_number(shop, order):
    browser = Browser()
    for _ in range(limits.PER_ORDER):
        found(browser, shop, order, email="guess@example.com")
    response = found(browser, shop, order)
    assert response.status_code == 429 and "Too many attempts" in response.content.decode()


def test_lookups_are_rate_limited_per_ip(shop):
    browser = Browser()
    for number in range(limits.PER_IP):
        browser.post(f"/returns/{shop.code}/", {"number": f"N{number}", "email": "a@example.com"})
    assert browser.post(f"/returns/{shop.code}/", {"number": "N-last", "email": "a@example.com"}).status_code == 429


def test_forms_need_the_csrf_token(shop, order):
    browser = Browser(enforce_csrf_checks=True)
    response = browser.post(f"/returns/{shop.code}/", {"number": order.number, "email": order.customer.email})
    assert response.status_code == 403


def test_the_order_page_needs_the_proof(shop):
    response = Browser().get(f"/returns/{shop.code}/order/")
    assert response.status_code == 302 and response["Location"] == f"/returns/{shop.code}/"


def test_each_unit_says_whether_it_can_be_returned_and_why_not(shop, order):
    browser = Browser()
    found(browser, shop, order)
    page = browser.get(f"/returns/{shop.code}/order/").content.decode()
    assert "Cannot be returned: this item was a final sale." in page
    assert "2 items can be returned" in page
    assert "Store credit with a 10% bonus" in page


def test_a_closed_window_names_its_last_day(shop):
    late = order_for(shop, delivered_at=timezone.now() - dt.timedelta(days=60))
    browser = Browser()
    found(browser, shop, late)
    page = browser.get(f"/returns/{shop.code}/order/").content.decode()
    last_day = late.delivered_at.astimezone(shop.zone).date() + dt.timedelta(days=30)
    assert f"Cannot be returned: the return window ended on {date_format(last_day)}." in page


def test_submitting_authorizes_at_once_and_shows_the_ran_and_the_label(shop, order):
    browser = Browser(HTTP_ACCEPT_LANGUAGE="en")
    found(browser, shop, order)
    response = submit(browser, shop, order)
    assert response.status_code == 302
    rma = order.returns.get()
    assert (rma.state, rma.channel, rma.refund_method, rma.language) == ("authorized", "portal", "store_credit", "en")
    page = browser.get(response["Location"]).content.decode()
    assert rma.ran in page and "Use the box." in page and "/labels/" in page
    label = browser.get(page.split('href="/labels/')[1].split('"')[0].join(["/labels/", ""]))
    assert label["Content-Type"] == "application/pdf"


def test_a_unit_already_returned_is_not_offered_again(shop, order):
    browser = Browser()
    found(browser, shop, order)
    line = order.lines.get(line_number=1)
    submit(browser, shop, order, **{f"quantity_{line.pk}": "2"})
    page = browser.get(f"/returns/{shop.code}/order/").content.decode()
    assert "Cannot be returned: already returned." in page


@pytest.mark.parametrize("quantity", ["3", "-1", "x", "0"])
def test_a_bad_quantity_is_a_form_error(shop, order, quantity):
    browser = Browser()
    found(browser, shop, order)
    line = order.lines.get(line_number=1)
    response = submit(browser, shop, order, **{f"quantity_{line.pk}": quantity})
    assert response.status_code == 400 and not order.returns.exists()


def test_a_reason_outside_the_policy_is_a_form_error():
    shop = client_with_policy(accepted_reasons=["defective"])
    order = order_for(shop)
    browser = Browser()
    found(browser, shop, order)
    response = submit(browser, shop, order)
    assert response.status_code == 400 and "Select a valid choice" in response.content.decode()


def test_a_return_needing_review_gets_a_confirmation():
    shop = client_with_policy(auto_authorize=False)
    order = order_for(shop)
    browser = Browser()
    found(browser, shop, order)
    page = browser.get(submit(browser, shop, order, refund_method="original_payment")["Location"]).content.decode()
    assert "We will email you as soon as we have decided" in page and "/labels/" not in page


def test_the_status_page_has_the_same_no_oracle_answer(shop, order):
    browser = Browser()
    found(browser, shop, order)
    submit(browser, shop, order)
    rma = order.returns.get()
    stranger = Browser()
    wrong = stranger.post(f"/returns/{shop.code}/status/find/", {"ran": rma.ran, "email": "x@example.com"})
    unknown = stranger.post(f"/returns/{shop.code}/status/find/", {"ran": "RAN-NOPE", "email": order.customer.email})
    assert all("We could not find a return" in answer.content.decode() for answer in (wrong, unknown))
    assert stranger.get(f"/returns/{shop.code}/status/").status_code == 302
    ok = stranger.post(f"/returns/{shop.code}/status/find/", {"ran": rma.ran, "email": order.customer.email.upper()})
    assert "pack the items" in stranger.get(ok["Location"]).content.decode()


def test_another_customers_return_is_unreachable_on_another_clients_portal(shop, order):
    browser = Browser()
    found(browser, shop, order)
    submit(browser, shop, order)
    rma = order.returns.get()
    other = client_with_policy()
    response = browser.post(f"/returns/{other.code}/status/find/", {"ran": rma.ran, "email": order.customer.email})
    assert "We could not find a return" in response.content.decode()
    assert browser.get(f"/returns/{other.code}/status/").status_code == 302


def test_the_customer_cancels_before_shipping(shop, order):
    browser = Browser()
    found(browser, shop, order)
    submit(browser, shop, order)
    browser.post(f"/returns/{shop.code}/status/cancel/")
    rma = order.returns.get()
    assert rma.state == ReturnState.CANCELLED
    assert "This return was cancelled." in browser.get(f"/returns/{shop.code}/status/").content.decode()


def test_cancelling_after_shipping_is_refused(shop, order):
    browser = Browser()
    found(browser, shop, order)
    submit(browser, shop, order)
    rma = order.returns.get()
    shipping.mark_in_transit(rma=rma, actor=Staff().customer_service, carrier="DHL", tracking_number="JJD1")
    rma.refresh_from_db()
    assert rma.state == ReturnState.IN_TRANSIT
    browser.post(f"/returns/{shop.code}/status/cancel/")
    assert order.returns.get().state == ReturnState.IN_TRANSIT
    page = browser.get(f"/returns/{shop.code}/status/").content.decode()
    assert "can no longer be cancelled" in page and "Cancel this return" not in page


def test_the_portal_speaks_german_from_the_browser(shop, order):
    shop.languages = ["de", "en"]
    shop.save()
    page = Browser(HTTP_ACCEPT_LANGUAGE="de-DE,de;q=0.9").get(f"/returns/{shop.code}/").content.decode()
    assert 'lang="de"' in page and "Bestellnummer" in page


def test_the_language_switch_offers_only_the_clients_languages(shop):
    shop.languages = ["en", "de"]
    shop.save()
    browser = Browser(HTTP_ACCEPT_LANGUAGE="en")
    browser.post(f"/returns/{shop.code}/language/", {"language": "de", "next": "https://evil.example/"})
    assert "Bestellnummer" in browser.get(f"/returns/{shop.code}/").content.decode()
    browser.post(f"/returns/{shop.code}/language/", {"language": "fr"})
    assert "Bestellnummer" in browser.get(f"/returns/{shop.code}/").content.decode()


def a_photo(name="damage.png", kind="PNG"):
    buffer = BytesIO()
    Image.new("RGB", (40, 30), "red").save(buffer, kind)
    return SimpleUploadedFile(name, buffer.getvalue(), content_type="image/png")


def test_a_damage_claim_keeps_the_customers_photo(shop, order):
    browser = Browser()
    found(browser, shop, order)
    line = order.lines.get(line_number=1)
    submit(browser, shop, order, **{f"reason_{line.pk}": "damaged_in_transit", f"photo_{line.pk}": a_photo()})
    unit = order.returns.get().items.get()
    assert unit.customer_photo.name.startswith("customer-photos/") and unit.customer_photo.width == 40


def test_a_customers_photo_is_kept_drawn_again_without_its_location_or_its_file_name_suffix(shop, order):
    exif = Image.Exif()
    exif[0x8825] = {2: (52.0, 31.0, 0.0)}  # GPSInfo: the latitude of the customer's home
    buffer = BytesIO()
    Image.new("RGB", (40, 30), "red").save(buffer, "JPEG", exif=exif)
    upload = SimpleUploadedFile("x.html", buffer.getvalue(), content_type="text/html")
    browser = Browser()
    found(browser, shop, order)
    line = order.lines.get(line_number=1)

    submit(browser, shop, order, **{f"reason_{line.pk}": "damaged_in_transit", f"photo_{line.pk}": upload})

    unit = order.returns.get().items.get()
    assert unit.customer_photo.name.endswith(".jpg")
    with Image.open(unit.customer_photo) as kept:
        assert kept.size == (40, 30) and not kept.getexif().get_ifd(0x8825)


def test_a_photo_that_is_no_image_is_a_form_error(shop, order):
    browser = Browser()
    found(browser, shop, order)
    line = order.lines.get(line_number=1)
    fake = SimpleUploadedFile("damage.png", b"<script>no image</script>", content_type="image/png")
    response = submit(browser, shop, order, **{f"reason_{line.pk}": "defective", f"photo_{line.pk}": fake})
    assert response.status_code == 400 and not order.returns.exists()


def test_a_photo_is_only_for_damage_claims(shop, order):
    browser = Browser()
    found(browser, shop, order)
    line = order.lines.get(line_number=1)
    response = submit(browser, shop, order, **{f"photo_{line.pk}": a_photo()})
    assert response.status_code == 400 and "A photo is for damage claims" in response.content.decode()
