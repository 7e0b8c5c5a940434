"""A receipt document attached after the request: checked by its content and size, recorded, and read by
the next authorization (a request held for a missing receipt no longer needs entering again)."""

import io
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from PIL import Image

from core.errors import InvalidInput, PolicyViolation, TransitionRefused
from rma import services as rma_services
from rma.models import ReturnRequest, ReturnState
from tests.factories import requested_return, return_in_state
from tests.uploads import pdf_upload


def pdf(name: str = "receipt.pdf", body: bytes | None = None) -> SimpleUploadedFile:
    return pdf_upload(name, body)


def photo(image_format: str = "JPEG") -> SimpleUploadedFile:
    buffer = io.BytesIO()
    Image.new("RGB", (40, 30), "white").save(buffer, format=image_format)
    return SimpleUploadedFile(f"receipt.{image_format.lower()}", buffer.getvalue(), content_type="image/jpeg")


def test_a_request_held_for_a_missing_receipt_is_authorized_once_one_is_attached(staff):
    rma = requested_return(staff=staff, receipt_required_above=Decimal("10.00"))
    with pytest.raises(PolicyViolation):
        rma_services.authorize_return(rma=rma, actor=staff.customer_service)

    attached = rma_services.attach_receipt(rma=rma, actor=staff.customer_service, document=pdf())
    authorized = rma_services.authorize_return(rma=attached, actor=staff.customer_service)

    assert authorized.state == ReturnState.AUTHORIZED
    event = rma.events.get(action="receipt_attached")
    assert (event.actor, event.from_state, event.to_state) == (staff.customer_service, "requested", "requested")
    assert event.details == {"replaced": False}


def test_a_photo_of_the_receipt_is_accepted_and_replaces_the_earlier_document(staff):
    rma = requested_return(staff=staff)
    rma_services.attach_receipt(rma=rma, actor=staff.customer_service, document=pdf())

    rma = rma_services.attach_receipt(rma=rma, actor=staff.customer_service, document=photo("PNG"))

    assert rma.receipt_document.name.endswith(".png")
    assert rma.events.filter(action="receipt_attached").latest("id").details == {"replaced": True}


@pytest.mark.parametrize("document", [
    SimpleUploadedFile("receipt.pdf", b"MZ\x90\x00 an executable named like a PDF", content_type="application/pdf"),
    SimpleUploadedFile("receipt.jpg", b"not an image at all", content_type="image/jpeg"),
    SimpleUploadedFile("receipt.pdf", b"", content_type="application/pdf"),
], ids=["not-a-pdf", "not-an-image", "empty"])
def test_a_document_that_is_not_a_pdf_or_image_is_refused_and_nothing_changes(staff, document):
    rma = requested_return(staff=staff)

    with pytest.raises(InvalidInput):
        rma_services.attach_receipt(rma=rma, actor=staff.customer_service, document=document)

    assert not ReturnRequest.objects.get(pk=rma.pk).receipt_document
    assert not rma.events.filter(action="receipt_attached").exists()


def test_a_document_over_the_size_limit_is_refused(staff, settings):
    settings.MAX_RECEIPT_BYTES = 1024
    rma = requested_return(staff=staff)

    with pytest.raises(InvalidInput, match="larger than"):
        rma_services.attach_receipt(rma=rma, actor=staff.customer_service, document=pdf(body=b"%PDF-" + b"x" * 2000))


def test_the_new_return_form_checks_its_receipt_the_same_way(staff):
    rma = requested_return(staff=staff)

    with pytest.raises(InvalidInput, match="neither a PDF"):
        rma_services.create_return_request(
            order=rma.order, items=[{"order_line": rma.order.lines.get(), "quantity": 1, "reason": "defective"}],
            channel="phone", actor=staff.customer_service, receipt_document=pdf(body=b"<html>receipt</html>"),
        )


def test_a_receipt_is_attached_only_while_the_request_waits_for_authorization(staff):
    rma = return_in_state(ReturnState.AUTHORIZED, staff=staff)

    with pytest.raises(TransitionRefused, match="waits for authorization"):
        rma_services.attach_receipt(rma=rma, actor=staff.customer_service, document=pdf())


def test_the_return_page_attaches_a_receipt_and_refuses_a_fake_one_with_a_message(client, staff):
    rma = requested_return(staff=staff)
    url = reverse("admin:rma_returnrequest_act", args=[rma.pk, "attach-receipt"])
    client.force_login(staff.customer_service)

    form = client.get(url).content.decode()
    fake = client.post(url, {"document": pdf(body=b"GIF89a")}, follow=True)
    real = client.post(url, {"document": photo()}, follow=True)

    assert 'enctype="multipart/form-data"' in form and 'type="file"' in form
    assert "neither a PDF nor a JPEG, PNG or WebP image" in fake.content.decode()
    assert "Receipt attached" in real.content.decode()
    assert ReturnRequest.objects.get(pk=rma.pk).receipt_document.name.endswith(".jpg")
