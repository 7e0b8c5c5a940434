"""Uploaded files are served by returns_site/media.py: only to staff who may see what holds them, as the
type their content is, never sniffed, receipts as downloads; with DEBUG off as with it on."""

import pytest
from django.apps import apps
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import models
from django.urls import reverse

from inspection.services import record_inspection
from returns_site import media
from rma import services as rma_services
from rma.models import Client, ReturnRequest, ReturnState
from tests.factories import client_account, requested_return, return_in_state, user_in
from tests.uploads import image_upload, pdf_upload, receipt_pdf

FOUND_AS_REQUESTED = {"grade": "A", "accessories_complete": True, "original_packaging": True, "matches_request": True}


@pytest.fixture
def photo(staff) -> str:
    """The address of an inspection photo of a received return."""
    rma = return_in_state(ReturnState.RECEIVED, staff=staff, units=1)
    inspection = record_inspection(item=rma.items.get(), actor=staff.inspector, **FOUND_AS_REQUESTED,
                                   photos=[image_upload("front.png", "PNG")])
    return inspection.photos.get().image.url


@pytest.fixture
def receipt(staff) -> ReturnRequest:
    rma = requested_return(staff=staff)
    return rma_services.attach_receipt(rma=rma, actor=staff.customer_service, document=pdf_upload())


def test_an_anonymous_visitor_is_sent_to_the_login_page(client, photo):
    response = client.get(photo)

    assert response.status_code == 302 and response["Location"].startswith(reverse("admin:login"))


def test_the_dock_may_not_see_inspection_photos(client, staff, photo):
    client.force_login(staff.dock)

    assert client.get(photo).status_code == 403


@pytest.mark.parametrize("debug", [False, True])
def test_an_inspector_sees_the_photo_inline_as_a_png_never_sniffed(client, staff, photo, settings, debug):
    settings.DEBUG = debug
    client.force_login(staff.inspector)

    response = client.get(photo)

    assert response.status_code == 200
    assert response["Content-Type"] == "image/png" and response["X-Content-Type-Options"] == "nosniff"
    assert response["Content-Disposition"].startswith("inline")
    assert response["Content-Security-Policy"] == "default-src 'none'; sandbox"
    assert response["Cache-Control"].startswith("private")
    assert b"".join(response.streaming_content).startswith(b"\x89PNG")


def test_a_receipt_is_a_download_for_who_may_see_the_return(client, staff, receipt):
    client.force_login(staff.finance)

    response = client.get(receipt.receipt_document.url)

    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf" and response["X-Content-Type-Options"] == "nosniff"
    assert response["Content-Disposition"].startswith("attachment")
    assert b"".join(response.streaming_content) == receipt_pdf()


def test_staff_without_the_view_permission_get_a_403(client, staff, receipt):
    nobody = user_in("inspector")
    nobody.groups.clear()
    nobody.is_staff = True
    nobody.save()
    client.force_login(nobody)

    assert client.get(receipt.receipt_document.url).status_code == 403


def test_a_client_account_sees_no_uploaded_file(client, receipt):
    client.force_login(client_account(receipt.client))

    assert client.get(receipt.receipt_document.url).status_code in {302, 403}


def test_an_old_upload_stored_under_its_uploaders_name_is_a_download_of_bytes(client, staff, receipt):
    """Before names were random a page could be kept as x.html: it is never shown as a page."""
    name = default_storage.save("receipts/2026/11/x.html", ContentFile(b"<script>alert(document.cookie)</script>"))
    ReturnRequest.objects.filter(pk=receipt.pk).update(receipt_document=name)
    client.force_login(staff.customer_service)

    response = client.get(f"/media/{name}")

    assert response.status_code == 200
    assert response["Content-Type"] == "application/octet-stream"
    assert response["Content-Disposition"].startswith("attachment") and response["X-Content-Type-Options"] == "nosniff"


@pytest.mark.parametrize("path", [
    "/media/receipts/../../returns_site/settings.py",
    "/media/receipts/%2e%2e/%2e%2e/returns_site/settings.py",
    "/media/receipts//etc/passwd",
    "/media/receipts/2026/11/no-such-file.pdf",
    "/media/unknown-kind/file.png",
])
def test_a_path_no_upload_holds_is_a_404(client, staff, receipt, path):
    client.force_login(staff.manager)

    assert client.get(path).status_code == 404


def test_an_export_file_is_not_served_here_even_to_a_manager(client, staff):
    name = default_storage.save("exports/2026/12/returns.csv", ContentFile(b"ran,state\n"))
    client.force_login(staff.manager)

    assert client.get(f"/media/{name}").status_code == 404


def test_a_file_gone_from_the_disk_is_a_404(client, staff, receipt):
    default_storage.delete(receipt.receipt_document.name)
    client.force_login(staff.customer_service)

    assert client.get(receipt.receipt_document.url).status_code == 404


def test_a_clients_portal_logo_is_public(client, receipt):
    name = default_storage.save("client-logos/hafenwerk.png", ContentFile(image_upload().read()))
    Client.objects.filter(pk=receipt.client_id).update(portal_logo=name)

    response = client.get(f"/media/{name}")

    assert response.status_code == 200 and response["Content-Type"] == "image/png"
    assert response["X-Content-Type-Options"] == "nosniff"


def test_behind_nginx_the_view_checks_and_nginx_sends_the_bytes(client, staff, receipt, settings):
    settings.MEDIA_X_ACCEL_REDIRECT = "/protected-media/"
    client.force_login(staff.customer_service)

    response = client.get(receipt.receipt_document.url)

    assert response["X-Accel-Redirect"] == f"/protected-media/{receipt.receipt_document.name}"
    assert response.content == b"" and response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"].startswith("attachment")


def test_only_gets_are_served(client, staff, receipt):
    client.force_login(staff.customer_service)

    assert client.post(receipt.receipt_document.url).status_code == 405


def test_every_file_field_is_served_by_a_holder_or_on_purpose_elsewhere():
    fields = {
        (model._meta.label, field.name)
        for model in apps.get_models() for field in model._meta.get_fields() if isinstance(field, models.FileField)
    }
    held = {(holder.model, holder.field) for holder in media.HOLDERS}

    assert fields == held | set(media.SERVED_ELSEWHERE)
    assert held.isdisjoint(media.SERVED_ELSEWHERE)
