"""A manager erases a customer's personal data on request: gone from every table, the books unchanged,
the erasure on each return's timeline without the erased values; nobody else may do it."""

import json

import pytest
from django.core import signing
from django.core.files.storage import default_storage
from django.urls import reverse

from core.errors import DomainError, InvalidInput, PermissionRefused
from idempotency.models import IdempotencyKey
from importjobs.models import ImportJob
from inspection.models import InspectionPhoto
from outbox.models import Message, MessageStatus
from rma import selectors
from rma import services as rma_services
from rma.models import Customer, ReturnEvent, ReturnEventType, ReturnState, UnexpectedParcel
from tests.factories import CustomerFactory, return_in_state
from tests.rma.personal_data import EMAIL, PERSONAL_VALUES, customer_with_history, money_totals, where_found

REASON = f"Asked by email of 3 Dec 2026 from {EMAIL}"


@pytest.fixture
def history(staff, django_capture_on_commit_callbacks):
    return customer_with_history(staff)


def erase(customer, actor, reason: str = REASON, capture=None) -> Customer:
    with capture(execute=True):
        return rma_services.erase_customer_personal_data(customer=customer, actor=actor, reason=reason)


def test_the_customers_data_is_in_no_table_afterwards(staff, history, django_capture_on_commit_callbacks):
    customer, _ = history
    assert where_found(EMAIL)  # the scan finds it where it was

    erased = erase(customer, staff.manager, capture=django_capture_on_commit_callbacks)

    assert where_found(*PERSONAL_VALUES) == []
    assert (erased.name, erased.email, erased.phone, erased.address_line1, erased.country) == (
        f"erased-{customer.pk}", f"erased-{customer.pk}@erased.invalid", "", "", "DE")
    assert erased.orders.get().address_line1 == ""


def test_the_books_are_the_same_afterwards(staff, history, django_capture_on_commit_callbacks):
    customer, returns = history
    before = money_totals()

    erase(customer, staff.manager, capture=django_capture_on_commit_callbacks)

    assert money_totals() == before
    assert [rma.refunds.count() for rma in returns] == [1, 0]
    assert customer.orders.get().lines.get().unit_price == before["order lines"]


def test_each_return_records_who_erased_and_why_without_the_values(staff, history, django_capture_on_commit_callbacks):
    customer, returns = history

    erase(customer, staff.manager, capture=django_capture_on_commit_callbacks)

    events = ReturnEvent.objects.filter(action=ReturnEventType.PERSONAL_DATA_ERASED).order_by("return_request_id")
    assert [event.return_request_id for event in events] == [rma.pk for rma in returns]
    assert {(event.actor, event.channel, event.note) for event in events} == {
        (staff.manager, "admin", "Personal data erased on request: Asked by email of 3 Dec 2026 from [erased]")}
    assert Customer.objects.get(pk=customer.pk).erased_by == staff.manager.username


def test_the_customers_photos_and_receipt_go_and_the_inspectors_photo_stays(
    staff, history, django_capture_on_commit_callbacks,
):
    customer, (_, received) = history
    unit, parcel = received.items.get(), UnexpectedParcel.objects.get(return_request=received)
    files = [unit.customer_photo.name, received.receipt_document.name, parcel.photo.name]
    inspectors = InspectionPhoto.objects.get().image.name
    assert all(default_storage.exists(name) for name in [*files, inspectors])

    erase(customer, staff.manager, capture=django_capture_on_commit_callbacks)
    unit.refresh_from_db()
    received.refresh_from_db()
    parcel.refresh_from_db()

    assert (unit.customer_photo.name, received.receipt_document.name, parcel.photo.name) == ("", "", "")
    assert not any(default_storage.exists(name) for name in files)
    assert default_storage.exists(inspectors) and InspectionPhoto.objects.get().image.name == inspectors


def test_their_emails_lose_their_words_and_a_pending_one_is_not_sent(
    staff, history, django_capture_on_commit_callbacks,
):
    customer, _ = history
    to_them = Message.objects.filter(destination=EMAIL)
    assert {message.status for message in to_them} == {MessageStatus.DELIVERED, MessageStatus.PENDING}
    gift_card_email = to_them.get(type="email.gift_card")
    assert "Your gift card code:" in gift_card_email.payload["body"]
    ids = sorted(to_them.values_list("pk", flat=True))

    erase(customer, staff.manager, capture=django_capture_on_commit_callbacks)
    emails = Message.objects.filter(pk__in=ids)

    assert {(m.payload["subject"], m.payload["body"], m.destination, bytes(m.attachment)) for m in emails} == {
        ("[erased]", "[erased]", f"erased-{customer.pk}@erased.invalid", b"")}
    assert MessageStatus.PENDING not in {message.status for message in emails}


def test_their_portal_proof_and_label_link_end_with_the_erasure(staff, django_capture_on_commit_callbacks):
    rma = return_in_state(ReturnState.AUTHORIZED, staff=staff)
    token = selectors.label_url_for(rma).rstrip("/").rsplit("/", 1)[-1]
    assert selectors.return_for_label_token(token=token) == rma

    erase(rma.customer, staff.manager, capture=django_capture_on_commit_callbacks)

    with pytest.raises(signing.SignatureExpired, match="erased"):
        selectors.return_for_label_token(token=token)


@pytest.mark.parametrize("group", ["customer_service", "finance", "inspector", "dock"])
def test_only_a_manager_may_erase(staff, group):
    customer = CustomerFactory(email=EMAIL)

    with pytest.raises(PermissionRefused):
        rma_services.erase_customer_personal_data(customer=customer, actor=getattr(staff, group), reason=REASON)

    assert Customer.objects.get(pk=customer.pk).email == EMAIL


def test_an_erasure_needs_a_reason_and_happens_once(staff, django_capture_on_commit_callbacks):
    customer = CustomerFactory(email=EMAIL)
    with pytest.raises(InvalidInput, match="reason"):
        rma_services.erase_customer_personal_data(customer=customer, actor=staff.manager, reason="  ")

    erase(customer, staff.manager, capture=django_capture_on_commit_callbacks)

    with pytest.raises(DomainError, match="erased already"):
        rma_services.erase_customer_personal_data(customer=customer, actor=staff.manager, reason=REASON)


# -- the customer's admin page ---------------------------------------------------------------------


def erase_page(customer) -> str:
    return reverse("admin:rma_customer_erase", args=[customer.pk])


def test_a_manager_erases_from_the_customers_page_after_confirming(client, staff, django_capture_on_commit_callbacks):
    customer = CustomerFactory(email=EMAIL)
    client.force_login(staff.manager)
    page = client.get(reverse("admin:rma_customer_change", args=[customer.pk])).content.decode()
    confirmation = client.get(erase_page(customer))

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(erase_page(customer), {"reason": "Phone call of 3 Dec 2026"}, follow=True)

    assert erase_page(customer) in page
    assert confirmation.status_code == 200 and "Erase personal data" in confirmation.content.decode()
    assert f"The personal data of customer #{customer.pk} is erased." in response.content.decode()
    assert Customer.objects.get(pk=customer.pk).erasure_reason == "Phone call of 3 Dec 2026"


def test_the_confirmation_asks_for_the_reason_again_when_it_is_missing(client, staff):
    customer = CustomerFactory(email=EMAIL)
    client.force_login(staff.manager)

    response = client.post(erase_page(customer), {"reason": ""})

    assert response.status_code == 200 and "This field is required" in response.content.decode()
    assert Customer.objects.get(pk=customer.pk).erased_at is None


@pytest.mark.parametrize("method", ["get", "post"])
def test_other_staff_have_no_button_and_the_page_refuses_them(client, staff, method):
    customer = CustomerFactory(email=EMAIL)
    client.force_login(staff.customer_service)

    response = getattr(client, method)(erase_page(customer), {"reason": "x"})
    page = client.get(reverse("admin:rma_customer_change", args=[customer.pk]))

    assert response.status_code == 403
    assert erase_page(customer) not in page.content.decode()
    assert Customer.objects.get(pk=customer.pk).erased_at is None


def test_a_retry_of_an_api_request_about_them_gets_its_answer_without_them(
    staff, history, django_capture_on_commit_callbacks,
):
    customer, _ = history
    erase(customer, staff.manager, capture=django_capture_on_commit_callbacks)

    stored = IdempotencyKey.objects.get(key="order-4711")
    assert (stored.response_status, json.loads(bytes(stored.response_body))) == (
        201, {"customer": {"email": "[erased]", "name": "[erased]"}})
    assert ImportJob.objects.get().problems == [
        {"row": 2, "column": "customer_email", "message": "[erased] belongs to another customer."}]
