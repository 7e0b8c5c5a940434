"""Every upload is checked by its content (core/uploads.py): real JPEG, PNG or WebP photos and PDF receipts,
within their limits, re-encoded without what else they carried, under a random name; too large is a 413."""

import io
import re
import time

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from PIL import Image
from pypdf import PdfReader, PdfWriter

from core.errors import InvalidInput, UploadTooLarge
from inspection.services import record_inspection
from rma import services as rma_services
from rma.models import ReturnRequest, ReturnState, UnexpectedParcel
from tests.factories import requested_return, return_in_state
from tests.uploads import (
    GPS_INFO,
    MAKE,
    camera_exif,
    image_bytes,
    image_upload,
    pdf_upload,
    pdf_with_script,
    png_bomb,
    receipt_pdf,
)

FOUND_AS_REQUESTED = {"grade": "A", "accessories_complete": True, "original_packaging": True, "matches_request": True}
RANDOM_NAME = r"[0-9a-f]{32}\.(jpg|png|webp|pdf)"
SVG_WITH_SCRIPT = b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(document.cookie)</script></svg>'


@pytest.fixture
def received(staff) -> ReturnRequest:
    return return_in_state(ReturnState.RECEIVED, staff=staff, units=1)


def inspected_photo(staff, rma, upload):
    inspection = record_inspection(item=rma.items.get(), actor=staff.inspector, **FOUND_AS_REQUESTED, photos=[upload])
    return inspection.photos.get().image


def stored_name(field) -> str:
    return field.name.rsplit("/", 1)[-1]


# -- photos --------------------------------------------------------------------------------------


def test_a_png_named_like_a_web_page_is_stored_as_a_png_under_a_random_name(staff, received):
    kept = inspected_photo(staff, received, image_upload("x.html", "PNG"))

    assert re.fullmatch(RANDOM_NAME, stored_name(kept)) and kept.name.endswith(".png")
    assert "html" not in kept.name


def test_a_photo_loses_its_exif_and_gps_and_is_turned_upright(staff, received):
    # A phone held on its side: 40 wide, 30 high as stored, with orientation 6 (turn a quarter clockwise).
    upload = SimpleUploadedFile("IMG_0001.jpg", image_bytes("JPEG", size=(40, 30), exif=camera_exif(orientation=6)))
    with Image.open(io.BytesIO(upload.read())) as sent:
        assert sent.getexif()[MAKE] == "PhoneMaker" and GPS_INFO in sent.getexif()
    upload.seek(0)

    kept = inspected_photo(staff, received, upload)

    with kept.open("rb") as saved, Image.open(saved) as image:
        assert image.format == "JPEG" and image.size == (30, 40)
        assert not image.getexif() and "exif" not in image.info
    with kept.open("rb") as saved:
        assert b"PhoneMaker" not in saved.read()


def test_bytes_appended_to_an_image_are_not_kept(staff, received):
    polyglot = image_bytes("PNG") + b"<html><script>alert(1)</script></html>"

    kept = inspected_photo(staff, received, SimpleUploadedFile("unit.png", polyglot))

    with kept.open("rb") as saved:
        assert b"<script>" not in saved.read()


def test_a_webp_with_transparency_stays_a_webp_with_transparency(staff, received):
    upload = image_upload("side.webp", "WEBP", mode="RGBA", colour=(255, 0, 0, 0))

    kept = inspected_photo(staff, received, upload)

    with kept.open("rb") as saved, Image.open(saved) as image:
        assert kept.name.endswith(".webp") and image.format == "WEBP" and image.mode == "RGBA"


@pytest.mark.parametrize(("upload", "message"), [
    (SimpleUploadedFile("unit.svg", SVG_WITH_SCRIPT), "not a readable image"),
    (SimpleUploadedFile("unit.html", b"<html><script>alert(1)</script></html>"), "not a readable image"),
    (SimpleUploadedFile("unit.gif", image_bytes("GIF")), "not a readable image"),
    (SimpleUploadedFile("unit.bmp", image_bytes("BMP")), "not a readable image"),
    (SimpleUploadedFile("unit.png", image_bytes("PNG")[:60]), "not a readable image"),
    (SimpleUploadedFile("unit.pdf", receipt_pdf()), "not a readable image"),
    (SimpleUploadedFile("unit.png", b""), "is empty"),
], ids=["svg-with-script", "html", "gif", "bmp", "truncated-png", "pdf", "empty"])
def test_anything_but_a_whole_jpeg_png_or_webp_photo_is_refused(staff, received, upload, message):
    with pytest.raises(InvalidInput, match=message):
        inspected_photo(staff, received, upload)

    assert not received.items.filter(inspection__isnull=False).exists()


def test_a_decompression_bomb_is_refused_at_once_without_being_decoded(staff, received):
    bomb = SimpleUploadedFile("blank.png", png_bomb(), content_type="image/png")
    assert len(png_bomb()) < 200_000  # 30,000 × 30,000 pixels: 900 MB once decoded

    started = time.monotonic()
    with pytest.raises(InvalidInput, match="too many pixels"):
        inspected_photo(staff, received, bomb)

    assert time.monotonic() - started < 1


def test_a_bomb_posted_to_the_inspection_station_is_a_form_error_in_under_a_second(client, staff, received):
    client.force_login(staff.inspector)
    url = reverse("admin:inspection_station_unit", args=[received.pk, 1])
    grade = {"grade": "A", "matches_request": "on", "accessories_complete": "on", "original_packaging": "on"}

    started = time.monotonic()
    response = client.post(url, {**grade, "photos": [SimpleUploadedFile("blank.png", png_bomb())]})
    took = time.monotonic() - started

    assert took < 1
    assert response.status_code == 200 and "too many pixels" in response.content.decode()
    assert not received.items.filter(inspection__isnull=False).exists()


def test_the_pixel_limit_is_a_setting(staff, received, settings):
    settings.MAX_IMAGE_PIXELS = 1000

    with pytest.raises(InvalidInput, match=r"too many pixels \(40×30\)"):
        inspected_photo(staff, received, image_upload("unit.png", "PNG", size=(40, 30)))


def test_a_photo_above_its_limit_is_too_large(staff, received, settings):
    settings.MAX_PHOTO_BYTES = 1024

    with pytest.raises(UploadTooLarge, match="larger than 1 KB"):
        inspected_photo(staff, received, SimpleUploadedFile("unit.png", image_bytes("PNG") + b"\0" * 2000))


def test_a_too_large_photo_at_the_dock_is_a_413_in_json(client, staff, settings):
    settings.MAX_PHOTO_BYTES = 1024
    client.force_login(staff.dock)
    url = client.post(reverse("admin:dock_scan"), {"code": "JJD000111222333"}).json()["note_url"]

    answer = client.post(url, {"parcel-note": "Blue bag", "parcel-photo": SimpleUploadedFile(
        "parcel.png", image_bytes("PNG") + b"\0" * 2000)}, HTTP_ACCEPT="application/json")

    assert answer.status_code == 413
    assert answer.json()["code"] == "upload_too_large" and "larger than 1 KB" in answer.json()["message"]
    assert not UnexpectedParcel.objects.get().photo


def test_a_too_large_photo_at_the_inspection_station_is_a_413_page_saying_so(client, staff, received, settings):
    settings.MAX_PHOTO_BYTES = 1024
    client.force_login(staff.inspector)
    url = reverse("admin:inspection_station_unit", args=[received.pk, 1])
    big = SimpleUploadedFile("unit.png", image_bytes("PNG") + b"\0" * 2000)

    response = client.post(url, {"grade": "A", "matches_request": "on", "photos": [big]})

    assert response.status_code == 413 and "larger than 1 KB" in response.content.decode()


# -- receipts ------------------------------------------------------------------------------------


def test_a_pdf_receipt_is_kept_as_sent_under_a_random_name(staff):
    rma = requested_return(staff=staff)

    rma = rma_services.attach_receipt(rma=rma, actor=staff.customer_service, document=pdf_upload("Beleg März.pdf"))

    assert re.fullmatch(RANDOM_NAME, stored_name(rma.receipt_document)) and rma.receipt_document.name.endswith(".pdf")
    assert rma.receipt_document.name.startswith("receipts/")
    with rma.receipt_document.open("rb") as saved:
        assert saved.read() == receipt_pdf()


def test_a_photo_of_a_receipt_is_re_encoded_like_any_photo(staff):
    rma = requested_return(staff=staff)
    photo = SimpleUploadedFile("receipt.html", image_bytes("JPEG", exif=camera_exif()))

    rma = rma_services.attach_receipt(rma=rma, actor=staff.customer_service, document=photo)

    assert rma.receipt_document.name.endswith(".jpg")
    with rma.receipt_document.open("rb") as saved, Image.open(saved) as image:
        assert not image.getexif()


def encrypted_pdf() -> bytes:
    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(receipt_pdf())))
    writer.encrypt("secret", algorithm="RC4-128")
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


@pytest.mark.parametrize(("body", "message"), [
    (pdf_with_script(), r"active content \(OpenAction\)"),
    (encrypted_pdf(), "password-protected"),
    (b"%PDF-1.7\n<html><script>alert(1)</script></html>", "not a readable PDF"),
    (SVG_WITH_SCRIPT, "neither a PDF nor a JPEG, PNG or WebP image"),
    (b"<html><body onload=alert(1)>receipt</body></html>", "neither a PDF nor a JPEG, PNG or WebP image"),
], ids=["javascript", "encrypted", "pdf-marker-only", "svg-with-script", "html"])
def test_a_receipt_that_is_no_plain_pdf_or_photo_is_refused_and_nothing_changes(staff, body, message):
    rma = requested_return(staff=staff)

    with pytest.raises(InvalidInput, match=message):
        rma_services.attach_receipt(rma=rma, actor=staff.customer_service, document=pdf_upload(body=body))

    assert not ReturnRequest.objects.get(pk=rma.pk).receipt_document


def test_a_receipt_above_its_limit_is_too_large(staff, settings):
    settings.MAX_RECEIPT_BYTES = 1024
    rma = requested_return(staff=staff)

    with pytest.raises(UploadTooLarge, match="larger than 1 KB"):
        rma_services.attach_receipt(rma=rma, actor=staff.customer_service, document=pdf_upload())


def test_the_new_return_form_refuses_a_script_receipt_on_its_field(client, staff):
    rma = requested_return(staff=staff)
    line = rma.order.lines.get()
    client.force_login(staff.customer_service)
    url = f"{reverse('admin:rma_returnrequest_add')}?client={rma.client_id}&order_number={rma.order.number}"

    response = client.post(url, {
        "channel": "phone", "refund_method": "original_payment", f"quantity_{line.pk}": "1",
        f"reason_{line.pk}": "defective", "receipt_document": SimpleUploadedFile("r.svg", SVG_WITH_SCRIPT),
    })

    assert "neither a PDF nor a JPEG, PNG or WebP image" in response.content.decode()
    assert ReturnRequest.objects.count() == 1


# -- requests too large to read ------------------------------------------------------------------


def test_a_form_body_above_the_request_limit_is_a_413_before_it_is_read(client, staff, settings):
    settings.MAX_REQUEST_BYTES = 10_000
    client.force_login(staff.dock)
    url = client.post(reverse("admin:dock_scan"), {"code": "JJD000111222333"}).json()["note_url"]

    response = client.post(url, {"parcel-photo": SimpleUploadedFile("p.png", b"\0" * 20_000)})

    assert response.status_code == 413 and "Request too large" in response.content.decode()
    assert not UnexpectedParcel.objects.get().photo


def test_form_fields_above_djangos_limit_are_a_413_not_a_400(client, staff, settings):
    """The fields of a multipart form pass the request limit but not DATA_UPLOAD_MAX_MEMORY_SIZE."""
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1000
    client.force_login(staff.dock)
    url = client.post(reverse("admin:dock_scan"), {"code": "JJD000111222333"}).json()["note_url"]

    response = client.post(url, {"parcel-note": "x" * 5000})

    assert response.status_code == 413 and "at most 1 KB" in response.content.decode()
    assert UnexpectedParcel.objects.get().dock_note == ""


def test_a_json_body_above_djangos_limit_is_a_413_in_json(client, staff, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1000
    client.force_login(staff.dock)

    response = client.post(reverse("admin:dock_scan"), {"code": "x" * 5000}, content_type="application/json")

    assert response.status_code == 413 and response.json()["code"] == "request_too_large"


def test_a_too_large_receipt_on_the_attach_receipt_page_is_a_413_saying_so(client, staff, settings):
    settings.MAX_RECEIPT_BYTES = 1024
    rma = requested_return(staff=staff)
    client.force_login(staff.customer_service)

    response = client.post(reverse("admin:rma_returnrequest_act", args=[rma.pk, "attach-receipt"]),
                           {"document": pdf_upload()})

    assert response.status_code == 413 and "larger than 1 KB" in response.content.decode()
    assert not ReturnRequest.objects.get(pk=rma.pk).receipt_document
