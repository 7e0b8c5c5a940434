"""The customer's photo of a damage claim, kept re-encoded and shown to staff; and the units' standing read by the
same rules the policy check applies."""

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from PIL import Image

from core.actors import CustomerActor
from core.errors import InvalidInput
from rma import policy as policy_rules
from rma import selectors, services
from rma.models import ReturnRequest
from tests.portal.conftest import photo_upload

pytestmark = pytest.mark.django_db


def portal_request(order, **entry):
    line = order.lines.get(line_number=1)
    return services.create_return_request(
        order=order, items=[{"order_line": line, "quantity": 1, "reason": "damaged_in_transit", **entry}],
        channel="portal", actor=CustomerActor(customer=order.customer), language="de",
    )


def uploaded(buffer: io.BytesIO) -> SimpleUploadedFile:
    """The file as a form upload hands it to the service."""
    return SimpleUploadedFile(buffer.name, buffer.getvalue(), content_type="image/jpeg")


def photo_with_location() -> SimpleUploadedFile:
    image = Image.new("RGB", (40, 30), "red")
    exif = Image.Exif()
    exif[0x010F] = "Phone maker"  # a camera tag, as phones write them beside the GPS position
    buffer = io.BytesIO()
    image.save(buffer, format="JPEG", exif=exif.tobytes())
    buffer.name = "IMG_0001.jpg"
    return uploaded(buffer)


def test_the_photo_is_kept_without_what_the_camera_wrote_into_it(order):
    rma = portal_request(order, photo=photo_with_location())

    item = rma.items.get()
    with Image.open(item.customer_photo) as kept:
        assert kept.format == "JPEG" and kept.size == (40, 30)
        assert not kept.getexif()
    assert rma.language == "de"


def test_a_file_that_is_no_image_is_refused_and_opens_no_return(order):
    fake = SimpleUploadedFile("damage.jpg", b"MZ not an image", content_type="image/jpeg")

    with pytest.raises(InvalidInput, match="not a readable image"):
        portal_request(order, photo=fake)
    assert not ReturnRequest.objects.exists()


def test_one_photo_shows_one_unit(order):
    with pytest.raises(InvalidInput, match="a photo shows one unit"):
        portal_request(order, photo=uploaded(photo_upload()), quantity=2)


def test_a_language_we_do_not_speak_is_refused(order):
    with pytest.raises(InvalidInput, match="not a language we speak"):
        services.create_return_request(
            order=order, items=[{"order_line": order.lines.first(), "reason": "size_fit"}], channel="portal",
            actor=CustomerActor(customer=order.customer), language="xx",
        )


def test_staff_see_the_customers_photo_on_the_return(client, order, staff):
    rma = portal_request(order, photo=uploaded(photo_upload()))
    client.force_login(staff.customer_service)

    page = client.get(reverse("admin:rma_returnrequest_change", args=[rma.pk])).content.decode()

    assert f'href="{rma.items.get().customer_photo.url}"' in page and "Customer's photo" in page


def test_the_standing_of_a_unit_agrees_with_the_policy_check(order, late_order, staff):
    """What the portal offers is what authorization accepts: a unit it refuses fails the same rule."""
    policy = selectors.current_policy(client=order.client)
    for some_order in (order, late_order):
        for standing in selectors.order_standing(order=some_order, policy=policy):
            rma = services.create_return_request(
                order=some_order, items=[{"order_line": standing.line, "reason": "size_fit"}], channel="phone",
                actor=staff.customer_service,
            )
            failed = {failure.rule for failure in selectors.policy_failures(rma=rma)}
            expected = {"return_window": {"return_window"}, "final_sale": {"final_sale"}, None: set()}
            assert failed == expected[standing.refusal], standing
            services.cancel_return(rma=rma, actor=staff.customer_service, reason="only a probe")


def test_units_claimed_by_a_live_return_are_already_returned(order, staff):
    line = order.lines.get(line_number=1)
    services.create_return_request(
        order=order, items=[{"order_line": line, "quantity": 2, "reason": "size_fit"}], channel="phone",
        actor=staff.customer_service,
    )

    [tee, _scarf] = selectors.order_standing(order=order, policy=selectors.current_policy(client=order.client))

    assert tee == policy_rules.LineStanding(
        line=line, returnable=0, refusal="already_returned", window_last_day=tee.window_last_day,
    )


def test_a_photo_broken_after_its_header_is_refused(order):
    buffer = io.BytesIO()
    Image.new("RGB", (400, 300), "blue").save(buffer, format="PNG")
    truncated = SimpleUploadedFile("cut.png", buffer.getvalue()[:200], content_type="image/png")

    with pytest.raises(InvalidInput, match="not a readable image"):
        portal_request(order, photo=truncated)
    assert not ReturnRequest.objects.exists()
