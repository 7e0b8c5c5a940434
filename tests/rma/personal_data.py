"""A customer whose personal data went everywhere a return takes it, and a scan of the whole database for it."""

import io
from decimal import Decimal
from functools import reduce
from operator import or_

from django.apps import apps
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import models
from django.db.models import Q
from django.db.models.functions import Cast
from PIL import Image

from idempotency import services as idempotency_services
from importjobs.models import ImportJob, ImportStatus
from inspection import services as inspection_services
from outbox import delivery
from outbox.services import enqueue_email
from refunds.models import GiftCardEntry, Refund, StoreCreditEntry
from rma import services as rma_services
from rma.customer_emails import return_owner
from rma.models import OrderLine, ReturnRequest, ReturnState
from tests.factories import CustomerFactory, client_with_policy, order_for, return_in_state
from tests.uploads import pdf_upload

EMAIL = "johanna.quitten@example.com"
NAME = "Johanna Quittenbaum"
PHONE = "+49 40 5551 9876"
STREET = "7 Quittenweg"
POSTAL_CODE = "22767"
PERSONAL_VALUES = (EMAIL, NAME, PHONE, STREET)


def png(name: str = "photo.png") -> SimpleUploadedFile:
    buffer = io.BytesIO()
    Image.new("RGB", (40, 30), "brown").save(buffer, format="PNG")
    return SimpleUploadedFile(name, buffer.getvalue(), content_type="image/png")


def customer_with_history(staff, *, email: str = EMAIL, name: str = NAME):
    """A customer with a refunded return (gift card, a note naming them), and a received one with their photo,
    their receipt, a parcel photographed at the dock and an inspector's photo of the unit; their emails
    delivered, and one still pending; an import refused for a row naming them, and the API's stored answer
    to a request about them."""
    client = client_with_policy(auto_authorize=False, refund_methods=["gift_card", "original_payment"])
    customer = CustomerFactory(client=client, email=email, name=name, phone=PHONE, address_line1=STREET,
                               postal_code=POSTAL_CODE)
    order = order_for(client, customer=customer, quantity=3, address_line1=STREET, postal_code=POSTAL_CODE)
    refunded = return_in_state(ReturnState.REFUNDED, staff=staff, client=client, order=order, units=2,
                               refund_method="gift_card")
    rma_services.add_note(rma=refunded, actor=staff.customer_service,
                          text=f"{name} called from {PHONE}: she moved to {STREET}, write to {email}")
    line = order.lines.get()
    received = rma_services.create_return_request(
        order=order, channel="phone", actor=staff.customer_service, refund_method="original_payment",
        items=[{"order_line": line, "quantity": 1, "reason": "defective", "comment": f"Sent by {name}",
                "photo": png("damage.png")}],
    )
    rma_services.attach_receipt(rma=received, actor=staff.customer_service,
                                document=pdf_upload())
    received = rma_services.authorize_return(rma=received, actor=staff.customer_service)
    rma_services.receive_scan(code=received.ran, actor=staff.dock)
    parcel = rma_services.receive_scan(code="PARCEL-QUITTEN", actor=staff.dock).unexpected_parcel
    rma_services.annotate_unexpected_parcel(parcel=parcel, actor=staff.dock, note=f"Label: {name}, {STREET}",
                                            photo=png("parcel.png"))
    rma_services.resolve_unexpected_parcel(parcel=parcel, actor=staff.customer_service, resolution="matched",
                                           rma=received)
    inspection_services.record_inspection(
        item=received.items.get(), actor=staff.inspector, grade="B", accessories_complete=True,
        original_packaging=True, matches_request=True, notes="Scuffed heel", photos=[png("unit.png")],
    )
    delivery.deliver_due()
    enqueue_email(type="email.test", to=email, owner=return_owner(received), subject=f"For {name}",
                  body=f"Dear {name}, ...")
    refused_import_naming(staff.manager, email)
    stored_api_answer_naming(staff.manager, email, name)
    return customer, [ReturnRequest.objects.get(pk=refunded.pk), ReturnRequest.objects.get(pk=received.pk)]


def refused_import_naming(user, email: str) -> ImportJob:
    """What a worker leaves of an order file refused for a row quoting the customer's email."""
    return ImportJob.objects.create(
        requested_by=user, kind="orders", file_name="orders.csv", file_format="csv", status=ImportStatus.REFUSED,
        rows_total=1, rows_done=1,
        problems=[{"row": 2, "column": "customer_email", "message": f"{email} belongs to another customer."}],
    )


def stored_api_answer_naming(account, email: str, name: str) -> None:
    """The first answer to a client's POST, kept for its retries, showing the customer."""
    body = f'{{"customer": {{"email": "{email}", "name": "{name}"}}}}'.encode()
    claim = idempotency_services.claim_key(
        account=account, key="order-4711",
        request=idempotency_services.Fingerprint.of(method="POST", path="/api/v1/orders/", body=body),
    )
    idempotency_services.complete_claim(claim=claim, response=idempotency_services.StoredResponse(
        status=201, body=body, content_type="application/json", location=""))


def where_found(*values: str) -> list[str]:
    """Every model field, in every app, whose stored text holds one of `values` (in any case)."""
    found = []
    for model in apps.get_models():
        for field in model._meta.concrete_fields:
            rows = model._base_manager.annotate(as_text=Cast(field.name, models.TextField()))
            if isinstance(field, models.CharField | models.TextField | models.JSONField):
                held = rows.filter(reduce(or_, (Q(as_text__icontains=value) for value in values))).exists()
            elif isinstance(field, models.BinaryField):
                held = any(value.encode() in bytes(getattr(row, field.attname) or b"")
                           for row in model._base_manager.only(field.name) for value in values)
            else:
                continue
            if held:
                found.append(f"{model._meta.label}.{field.name}")
    return found


def money_totals() -> dict[str, Decimal]:
    """What the books say: refunds, the gift card and store credit ledgers, the orders' lines."""
    def total(queryset, field: str) -> Decimal:
        return queryset.aggregate(total=models.Sum(field))["total"] or Decimal("0")
    return {
        "refunds": total(Refund.objects.all(), "amount"), "gift cards": total(GiftCardEntry.objects.all(), "amount"),
        "store credit": total(StoreCreditEntry.objects.all(), "amount"),
        "order lines": total(OrderLine.objects.all(), "unit_price"), "refund rows": Decimal(Refund.objects.count()),
    }
