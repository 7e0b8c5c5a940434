"""The customer return portal: finding the order, choosing what comes back, following and cancelling the return."""

import datetime as dt
import re
import time

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client as Browser
from django.utils import timezone
from PIL import Image

from core.actors import Channel
from rma import services
from rma.models import ReturnEvent, ReturnRequest, ReturnState
from tests.factories import CustomerFactory, OrderFactory, OrderLineFactory, PolicyFactory, requested_return
from tests.portal.conftest import look_up, photo_upload, url
from tests.uploads import image_bytes, png_bomb

pytestmark = pytest.mark.django_db


def first_unit(order):
    line = order.lines.get(line_number=1)
    return f"unit-{line.pk}-1"


def submit(client, order, *, fields=None, **unit):
    prefix = first_unit(order)
    data = {f"{prefix}-return": "on", f"{prefix}-reason": "changed_mind", "refund_method": "original_payment"}
    data.update({f"{prefix}-{key}": value for key, value in unit.items()})
    data.update(fields or {})
    return client.post(url("order", order.client), data)


def without_token(html: str) -> str:
    return re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "", html)


# -- finding the order ----------------------------------------------------------------------------------


def test_the_start_page_speaks_in_the_clients_name_and_words(client, shop):
    response = client.get(url("start", shop))

    page = response.content.decode()
    assert response.status_code == 200
    assert "Hafenwerk" in page and "Moin! Returns are free within 30 days." in page
    assert '<label for="id_order_number">Order number</label>' in page
    assert "csrfmiddlewaretoken" in page
    assert response.headers["Cache-Control"].startswith("max-age=0")


def test_order_number_and_email_open_the_order(client, order):
    response = look_up(client, order, email="  Anna@Example.com ")

    assert response.status_code == 302 and response.url == url("order", order.client)
    page = client.get(response.url).content.decode()
    assert "Order HW-1001" in page and "Organic tee" in page


def test_a_wrong_email_and_an_unknown_order_get_the_same_answer(client, order):
    OrderFactory(client=order.client, number="HW-2002")

    wrong_email = look_up(client, order, number="HW-2002", email="anna@example.com")
    unknown = look_up(client, order, number="HW-9999", email="anna@example.com")

    assert wrong_email.status_code == unknown.status_code == 200
    assert "We could not find an order with this number and email address." in wrong_email.content.decode()
    assert without_token(wrong_email.content.decode()).replace("HW-2002", "N") == (
        without_token(unknown.content.decode()).replace("HW-9999", "N"))


def test_another_clients_order_is_not_found_on_this_portal(client, order):
    other = OrderFactory(number="OT-1")

    response = look_up(client, order, number=other.number, email=other.customer.email)

    assert response.status_code == 200 and "We could not find an order" in response.content.decode()


@pytest.mark.parametrize("data", [
    {}, {"order_number": "HW-1001"}, {"order_number": "HW-1001", "email": "not an email"},
    {"order_number": "x" * 65, "email": "anna@example.com"}, {"order_number": "", "email": "a" * 300 + "@x.de"},
])
def test_incomplete_or_malformed_lookups_are_form_errors(client, order, data):
    response = client.post(url("start", order.client), data)

    assert response.status_code == 200
    assert 'class="field-error"' in response.content.decode()


def test_an_unknown_or_inactive_portal_is_not_found(client, shop):
    assert client.get("/returns/nobody/").status_code == 404
    shop.is_active = False
    shop.save()
    assert client.get(url("start", shop)).status_code == 404


def test_forms_without_the_csrf_token_are_refused(order):
    browser = Browser(enforce_csrf_checks=True)

    response = browser.post(url("start", order.client), {"order_number": order.number, "email": "anna@example.com"})

    assert response.status_code == 403


def test_lookups_of_one_order_number_are_limited(client, order, settings):
    settings.PORTAL_LOOKUPS_PER_ORDER = 3
    for _ in range(3):
        assert look_up(client, order, email="guess@example.com").status_code == 200

    response = look_up(client, order)  # even the right email, once the number is locked

    assert response.status_code == 429
    assert int(response.headers["Retry-After"]) > 0
    assert "Too many attempts" in response.content.decode()


def test_lookups_from_one_address_are_limited_whatever_the_number(client, order, settings):
    settings.PORTAL_LOOKUPS_PER_IP = 4
    for number in range(4):
        assert look_up(client, order, number=f"HW-{number}").status_code == 200

    assert look_up(client, order, number="HW-77").status_code == 429
    assert look_up(client, order, number="HW-78", email="x").status_code == 429


def test_the_limit_lifts_when_its_window_ends(client, order, settings):
    settings.PORTAL_LOOKUPS_PER_ORDER = 1
    settings.PORTAL_LOOKUP_WINDOW_SECONDS = 1
    assert look_up(client, order, email="guess@example.com").status_code == 200
    assert look_up(client, order).status_code == 429
    with time_machine.travel(timezone.now() + dt.timedelta(seconds=5)):
        assert look_up(client, order).status_code == 302


def test_the_order_page_needs_the_proof_first(client, order):
    response = client.get(url("order", order.client))

    assert response.status_code == 302 and response.url == url("start", order.client)


def test_the_proof_lasts_only_a_while(client, order, settings):
    look_up(client, order)
    with time_machine.travel(timezone.now() + dt.timedelta(seconds=settings.PORTAL_PROOF_SECONDS + 5)):
        assert client.get(url("order", order.client)).url == url("start", order.client)


# -- the order's units ---------------------------------------------------------------------------------


def test_each_unit_says_whether_it_can_be_returned_and_why_not(client, order, staff):
    services.create_return_request(
        order=order, items=[{"order_line": order.lines.get(line_number=1), "quantity": 1, "reason": "size_fit"}],
        channel="phone", actor=staff.customer_service,
    )
    look_up(client, order)

    page = client.get(url("order", order.client)).content.decode()

    assert "Cannot be returned: It was a final sale item." in page
    assert "1 already returned" in page
    line = order.lines.get(line_number=1)
    assert f"unit-{line.pk}-1-return" in page and f"unit-{line.pk}-2-return" not in page


def test_a_unit_past_the_window_says_on_which_day_it_ended(client, late_order):
    look_up(client, late_order)

    page = client.get(url("order", late_order.client)).content.decode()

    last_day = (late_order.delivered_at.astimezone(late_order.client.zone) + dt.timedelta(days=30)).date()
    assert f"Cannot be returned: The return window ended on {last_day.day} {last_day:%b %Y}." in page
    assert "None of the items of this order can be returned online." in page


def test_the_reasons_offered_are_the_policys_and_store_credit_shows_its_bonus(client, order):
    look_up(client, order)

    page = client.get(url("order", order.client)).content.decode()

    assert "I changed my mind" in page and "It arrived damaged" in page
    assert "Store credit, with a 10% bonus on top" in page
    assert "Refund to the way I paid" in page


# -- submitting ----------------------------------------------------------------------------------------


def test_an_authorized_return_shows_its_ran_label_and_packing_steps(client, order):
    look_up(client, order)

    response = submit(client, order, comment="Too small")

    rma = ReturnRequest.objects.get()
    assert response.status_code == 302 and response.url == url("return", order.client, pk=rma.pk)
    assert rma.state == ReturnState.AUTHORIZED and rma.channel == "portal" and rma.language == "en"
    assert rma.items.get().comment == "Too small"
    page = client.get(response.url).content.decode()
    assert rma.ran in page and "Approved: please send your parcel" in page
    assert "Put the slip from the box back in the parcel." in page
    label = re.search(r'id="label-link" href="([^"]+)"', page).group(1)
    pdf = client.get(label)
    assert pdf.status_code == 200 and pdf["Content-Type"] == "application/pdf"


def test_the_request_is_the_customers_own_act_on_the_trail(client, order):
    look_up(client, order)
    submit(client, order)

    event = ReturnEvent.objects.get(action="request")

    assert event.channel == Channel.PORTAL
    assert event.acted_by == f"customer #{order.customer_id} on the portal"


def test_a_return_needing_review_gets_a_confirmation(client, order, shop):
    PolicyFactory(client=shop, auto_authorize=False)  # the version in force from now on
    look_up(client, order)

    response = submit(client, order)

    rma = ReturnRequest.objects.get()
    assert rma.state == ReturnState.REQUESTED
    page = client.get(response.url).content.decode()
    assert "We are reviewing your request" in page and "we have your return request for order HW-1001" in page
    assert "label-link" not in page


def test_the_chosen_refund_method_and_store_credit_are_kept(client, order):
    look_up(client, order)

    submit(client, order, fields={"refund_method": "store_credit"})

    assert ReturnRequest.objects.get().refund_method == "store_credit"


def test_a_damage_claim_keeps_the_customers_photo_re_encoded(client, order):
    look_up(client, order)

    response = submit(client, order, reason="damaged_in_transit", photo=photo_upload("box.png", "PNG"))

    assert response.status_code == 302
    photo = ReturnRequest.objects.get().items.get().customer_photo
    with Image.open(photo) as image:
        assert image.format in {"JPEG", "PNG"} and image.size == (64, 48)


@pytest.mark.parametrize(("unit", "fields", "message"), [
    ({"return": ""}, {}, "Tick at least one item to return."),
    ({"reason": ""}, {}, "Choose why you are returning this item."),
    ({"reason": "stolen"}, {}, "Select a valid choice."),
    ({"reason": "damaged_in_transit"}, {}, "Add a photo that shows the damage."),
    ({"comment": "x" * 1001}, {}, "Ensure this value has at most 1000 characters"),
    ({}, {"refund_method": "exchange"}, "Select a valid choice."),
    ({}, {"refund_method": ""}, "This field is required."),
])
def test_bad_input_is_a_form_error_and_opens_no_return(client, order, unit, fields, message):
    look_up(client, order)

    response = submit(client, order, fields=fields, **unit)

    assert response.status_code == 400
    assert message in response.content.decode()
    assert not ReturnRequest.objects.exists()


def test_a_file_that_is_no_picture_is_refused(client, order):
    look_up(client, order)
    fake = photo_upload()
    fake = type(fake)(b"%PDF-1.4 not a photo")
    fake.name = "damage.jpg"

    response = submit(client, order, reason="damaged_in_transit", photo=fake)

    assert response.status_code == 400
    assert "We cannot use this file. Send a JPEG, PNG or WebP photo" in response.content.decode()
    assert not ReturnRequest.objects.exists()


def test_a_decompression_bomb_is_a_form_error_at_once(client, order):
    look_up(client, order)
    bomb = SimpleUploadedFile("damage.png", png_bomb(), content_type="image/png")

    started = time.monotonic()
    response = submit(client, order, reason="damaged_in_transit", photo=bomb)

    assert time.monotonic() - started < 1
    assert response.status_code == 400
    assert "We cannot use this file. Send a JPEG, PNG or WebP photo" in response.content.decode()
    assert not ReturnRequest.objects.exists()


def test_a_photo_above_the_size_limit_is_a_413_saying_what_is_accepted(client, order, settings):
    settings.MAX_PHOTO_BYTES = 1024 * 1024
    look_up(client, order)
    big = SimpleUploadedFile("damage.png", image_bytes("PNG") + b"\0" * (1024 * 1024), content_type="image/png")

    response = submit(client, order, reason="damaged_in_transit", photo=big)

    assert response.status_code == 413
    assert "photo of up to 1 MB" in response.content.decode()
    assert not ReturnRequest.objects.exists()


def test_units_that_are_not_offered_cannot_be_smuggled_in(client, order):
    look_up(client, order)
    sale = order.lines.get(line_number=2)

    response = client.post(url("order", order.client), {
        f"unit-{sale.pk}-1-return": "on", f"unit-{sale.pk}-1-reason": "changed_mind",
        "refund_method": "original_payment",
    })

    assert response.status_code == 400 and not ReturnRequest.objects.exists()


def test_the_same_units_are_not_returned_twice(client, order):
    look_up(client, order)
    submit(client, order)
    prefix = first_unit(order)
    second = order.lines.get(line_number=1)

    response = client.post(url("order", order.client), {
        f"unit-{second.pk}-2-return": "on", f"unit-{second.pk}-2-reason": "changed_mind",
        f"{prefix}-return": "on", f"{prefix}-reason": "changed_mind", "refund_method": "original_payment",
    })

    assert response.status_code == 302
    assert ReturnRequest.objects.count() == 2
    assert submit(client, order).status_code == 400  # both units are claimed now


# -- the return's page ---------------------------------------------------------------------------------


def test_another_customers_return_is_unreachable(client, order, staff):
    stranger = CustomerFactory(client=order.client, email="carl@example.com")
    theirs = OrderFactory(client=order.client, customer=stranger, number="HW-3003")
    OrderLineFactory(order=theirs, line_number=1)
    rma = requested_return(order=theirs, client=order.client, staff=staff, units=1)
    look_up(client, order)

    assert client.get(url("return", order.client, pk=rma.pk)).status_code == 404
    assert client.post(url("cancel", order.client, pk=rma.pk)).status_code == 404
    assert ReturnRequest.objects.get(pk=rma.pk).state == rma.state


def test_without_a_proof_the_return_page_asks_for_the_ran(client, order):
    look_up(client, order)
    submit(client, order)
    rma = ReturnRequest.objects.get()

    stranger = Browser()
    assert stranger.get(url("return", order.client, pk=rma.pk)).url == url("status", order.client)
    assert stranger.post(url("cancel", order.client, pk=rma.pk)).status_code == 404


def test_ran_and_email_open_the_returns_page(order):
    first = Browser()
    look_up(first, order)
    submit(first, order)
    rma = ReturnRequest.objects.get()
    later = Browser()

    typed = rma.ran.lower().replace("-", " ")
    response = later.post(url("status", order.client), {"ran": typed, "email": "ANNA@example.com"})

    assert response.status_code == 302 and response.url == url("return", order.client, pk=rma.pk)
    assert rma.ran in later.get(response.url).content.decode()


def test_a_wrong_email_and_an_unknown_ran_get_the_same_answer(client, order):
    look_up(client, order)
    submit(client, order)
    rma = ReturnRequest.objects.get()
    fresh = Browser()

    wrong_email = fresh.post(url("status", order.client), {"ran": rma.ran, "email": "other@example.com"})
    unknown = fresh.post(url("status", order.client), {"ran": "RA-0000-0000-0", "email": "other@example.com"})

    assert wrong_email.status_code == unknown.status_code == 200
    assert "We could not find a return for these details." in unknown.content.decode()
    assert without_token(wrong_email.content.decode()).replace(rma.ran, "R") == (
        without_token(unknown.content.decode()).replace("RA-0000-0000-0", "R"))


def test_status_lookups_are_limited_too(client, order, settings):
    settings.PORTAL_LOOKUPS_PER_ORDER = 2
    for _ in range(2):
        client.post(url("status", order.client), {"ran": "RA-0000-0000-0", "email": "anna@example.com"})

    response = client.post(url("status", order.client), {"ran": "ra 0000 0000 0", "email": "anna@example.com"})

    assert response.status_code == 429


def test_the_customer_cancels_before_the_parcel_ships(client, order):
    look_up(client, order)
    submit(client, order)
    rma = ReturnRequest.objects.get()

    response = client.post(url("cancel", order.client, pk=rma.pk))

    assert response.status_code == 302
    rma.refresh_from_db()
    assert rma.state == ReturnState.CANCELLED
    event = rma.events.get(action="cancel")
    assert event.channel == Channel.PORTAL
    page = client.get(response.url).content.decode()
    assert "Your return is cancelled." in page and "Cancel this return" not in page


def test_cancelling_after_the_parcel_shipped_is_refused(client, order, staff):
    look_up(client, order)
    submit(client, order)
    rma = ReturnRequest.objects.get()
    services.mark_in_transit(rma=rma, actor=staff.customer_service, carrier="DHL", tracking_number="JJD1")

    page = client.get(url("return", order.client, pk=rma.pk)).content.decode()
    response = client.post(url("cancel", order.client, pk=rma.pk))

    assert "Your parcel is on its way to us" in page and "Cancel this return" not in page
    assert response.status_code == 409
    assert "can no longer be cancelled" in response.content.decode()
    assert ReturnRequest.objects.get(pk=rma.pk).state == ReturnState.IN_TRANSIT


def test_the_cancel_takes_only_post(client, order):
    look_up(client, order)
    submit(client, order)
    rma = ReturnRequest.objects.get()

    assert client.get(url("cancel", order.client, pk=rma.pk)).status_code == 405
    assert client.delete(url("order", order.client)).status_code == 405


def test_an_exchange_names_the_item_wanted_instead(client, order, shop):
    PolicyFactory(client=shop, refund_methods=["exchange"])
    look_up(client, order)
    prefix = first_unit(order)
    data = {f"{prefix}-return": "on", f"{prefix}-reason": "size_fit"}

    page = client.get(url("order", shop)).content.decode()
    missing = client.post(url("order", shop), data)
    response = client.post(url("order", shop), {**data, "exchange_sku": "HW-TEE-L"})

    assert "Item you want instead (article number)" in page
    assert missing.status_code == 400 and "Tell us which item you want in exchange." in missing.content.decode()
    assert response.status_code == 302
    rma = ReturnRequest.objects.get()
    assert (rma.refund_method, rma.exchange_sku) == ("exchange", "HW-TEE-L")


def test_a_return_number_beyond_any_id_is_not_found(client, order):
    look_up(client, order)

    assert client.get(url("return", order.client, pk=10**30)).status_code == 404
    assert client.post(url("cancel", order.client, pk=10**30)).status_code == 404
