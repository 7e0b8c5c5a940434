"""The customer's emails at each step: rendered from templates, in the client's name and the customer's
language, written into the outbox with the change they tell of, queued once, sent with an HTML part."""

import json
import re
from decimal import Decimal
from email.header import decode_header, make_header

import pytest
from django.core import mail
from django.test import override_settings

from outbox.models import Message, Transport
from refunds import services as refund_services
from refunds.gift_cards import GIFT_CARD_EMAIL
from rma import customer_emails, selectors
from rma import services as rma_services
from rma.models import Client, Customer, ReturnEvent, ReturnRequest, ReturnState
from tests.factories import client_with_policy, order_for, requested_return, return_in_state

pytestmark = pytest.mark.django_db

PUBLIC = "https://returns.example.com"


@pytest.fixture(autouse=True)
def public_base_url(settings):
    settings.PUBLIC_BASE_URL = PUBLIC


def emails_of(rma: ReturnRequest, kind: str) -> list[Message]:
    return list(Message.objects.filter(type=customer_emails.email_type(kind), owner=f"rma.return:{rma.pk}"))


def only_email(rma: ReturnRequest, kind: str) -> Message:
    [email] = emails_of(rma, kind)
    return email


def label_links_in(text: str) -> list[str]:
    """The paths of the label links in an email, each on the public address."""
    return re.findall(rf"{PUBLIC}(/labels/\S+)", text)


def german_client(**policy_fields) -> Client:
    client = client_with_policy(**policy_fields)
    Client.objects.filter(pk=client.pk).update(languages=["de", "en"], name="Hafenwerk GmbH")
    return Client.objects.get(pk=client.pk)


def authorized(staff, *, client: Client | None = None, **order_fields) -> ReturnRequest:
    client = client or client_with_policy(auto_authorize=False)
    order = order_for(client, **order_fields)
    rma = requested_return(staff=staff, order=order, client=client)
    return rma_services.authorize_return(rma=rma, actor=staff.customer_service)


# -- authorized ---------------------------------------------------------------------------------------


def test_the_authorized_email_carries_the_ran_and_a_label_link_on_the_public_address(client, staff):
    rma = authorized(staff)

    email = only_email(rma, customer_emails.AUTHORIZED)

    assert email.transport == Transport.EMAIL and email.destination == rma.customer.email
    assert email.payload["subject"] == f"Your return {rma.ran} is authorized: your label is ready"
    [link] = label_links_in(email.payload["body"])
    assert rma.ran in email.payload["body"] and "2 × Trail running shoe" in email.payload["body"]
    assert f'href="{PUBLIC}{link}"' in email.payload["html"] and rma.ran in email.payload["html"]
    response = client.get(link)
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert selectors.return_for_label_token(token=link.split("/")[2]) == rma


def test_an_email_caused_by_a_request_links_to_the_public_address_not_the_requests_host(client, staff):
    rma = requested_return(staff=staff)
    client.force_login(staff.customer_service)

    with override_settings(ALLOWED_HOSTS=["intranet.facility.local"]):
        response = client.post(
            "/admin/rma/returnrequest/", {"action": "authorize_selected", "_selected_action": [rma.pk]},
            HTTP_HOST="intranet.facility.local",
        )

    assert response.status_code == 302
    body = only_email(rma, customer_emails.AUTHORIZED).payload["body"]
    assert f"{PUBLIC}/labels/" in body and "intranet.facility.local" not in body


def test_a_return_authorized_at_once_gets_its_email_with_the_request(staff):
    client = client_with_policy(auto_authorize=True)
    order = order_for(client)
    line = order.lines.get()

    rma = rma_services.create_return_request(
        order=order, items=[{"order_line": line, "quantity": 1, "reason": "size_fit"}], channel="phone",
        actor=staff.customer_service,
    )

    assert rma.state == ReturnState.AUTHORIZED
    assert rma.ran in only_email(rma, customer_emails.AUTHORIZED).payload["subject"]


def test_the_email_is_sent_in_the_clients_name_with_an_html_part_after_commit(
    staff, django_capture_on_commit_callbacks,
):
    client = client_with_policy(auto_authorize=False)
    Client.objects.filter(pk=client.pk).update(name="Müller & Söhne", contact_email="service@mueller.example")
    rma = requested_return(staff=staff, client=Client.objects.get(pk=client.pk))

    with django_capture_on_commit_callbacks(execute=True):
        rma = rma_services.authorize_return(rma=rma, actor=staff.customer_service)

    [sent] = mail.outbox
    assert sent.to == [rma.customer.email] and sent.from_email == "Müller & Söhne <returns@localhost>"
    assert str(make_header(decode_header(sent.message()["From"]))) == "Müller & Söhne <returns@localhost>"
    assert sent.reply_to == ["service@mueller.example"]
    assert "Müller & Söhne" in sent.body and "&amp;" not in sent.body
    [(html, mimetype)] = sent.alternatives
    assert mimetype == "text/html" and "Müller &amp; Söhne" in html and rma.ran in html
    assert "service@mueller.example" in sent.body


def test_the_html_shows_the_clients_logo_from_the_public_address_and_its_colour(staff):
    client = client_with_policy(auto_authorize=False)
    Client.objects.filter(pk=client.pk).update(portal_logo="client-logos/hafenwerk.png", portal_colour="#0b6e4f")
    rma = authorized(staff, client=Client.objects.get(pk=client.pk))

    html = only_email(rma, customer_emails.AUTHORIZED).payload["html"]

    assert f'<img src="{PUBLIC}/media/client-logos/hafenwerk.png" alt="{rma.client.name}"' in html
    assert "border-top:6px solid #0b6e4f" in html and "background:#0b6e4f;color:#ffffff" in html


@pytest.mark.parametrize(("colour", "text"), [("#1f4e79", "#ffffff"), ("#f5c518", "#000000"), ("#ffffff", "#000000"),
                                              ("#000000", "#ffffff")])
def test_the_button_text_reads_on_the_clients_colour(colour, text):
    assert customer_emails.text_colour_on(colour) == text


def test_no_email_is_written_for_a_customer_without_an_address(staff):
    rma = requested_return(staff=staff)
    Customer.objects.filter(pk=rma.customer_id).update(email="")

    rma = rma_services.authorize_return(rma=rma, actor=staff.customer_service)

    assert rma.state == ReturnState.AUTHORIZED
    assert not Message.objects.filter(transport=Transport.EMAIL).exists()


def test_events_and_webhooks_never_carry_the_customers_name_or_address(staff):
    client = client_with_policy(auto_authorize=False)
    Client.objects.filter(pk=client.pk).update(webhook_url="https://hooks.example.com/returns")
    rma = authorized(staff, client=Client.objects.get(pk=client.pk))
    customer = rma.customer

    webhooks = Message.objects.filter(transport=Transport.WEBHOOK)
    written = json.dumps([*ReturnEvent.objects.values("note", "details"), *webhooks.values("payload")])
    assert webhooks.exists() and customer.email not in written and customer.name not in written
    assert only_email(rma, customer_emails.AUTHORIZED).destination == customer.email


# -- received, refunded, rejected ---------------------------------------------------------------------


def test_the_customer_hears_once_that_the_parcel_was_received(staff):
    rma = authorized(staff)

    rma_services.receive_scan(code=rma.ran, actor=staff.dock)
    rma_services.receive_scan(code=rma.ran, actor=staff.dock)  # scanned twice: a duplicate, no second email

    email = only_email(rma, customer_emails.RECEIVED)
    assert email.payload["subject"] == f"We have received your return {rma.ran}"
    assert "We are now checking the items" in email.payload["body"] and rma.ran in email.payload["html"]


def test_the_refund_email_says_the_amount_and_the_method(staff):
    rma = return_in_state(ReturnState.REFUNDED, staff=staff)

    email = only_email(rma, customer_emails.REFUNDED)

    assert email.payload["subject"] == f"Your refund for return {rma.ran}"
    assert "we have refunded 100.00 EUR to your original payment method" in email.payload["body"]
    assert "<strong>100.00 EUR</strong> to your original payment method" in email.payload["html"]


def test_the_refund_email_gives_the_amount_in_its_currencys_decimals(staff):
    client = client_with_policy(auto_authorize=False)
    rma = return_in_state(ReturnState.REFUNDED, staff=staff, client=client,
                          order=order_for(client, unit_price="1299", currency="JPY"))

    assert "we have refunded 2,598 JPY" in only_email(rma, customer_emails.REFUNDED).payload["body"]


def refunded_by_approval(staff, method: str, **policy) -> ReturnRequest:
    """A two-unit return of 100.00 EUR paid back in our own ledgers: issued with its approval."""
    rma = return_in_state(ReturnState.DISPOSITIONED, staff=staff, units=2, refund_method=method,
                          refund_methods=["original_payment", method], **policy)
    refund_services.approve_refund(refund=rma.refunds.get(), actor=staff.finance)
    return ReturnRequest.objects.get(pk=rma.pk)


def test_the_store_credit_email_tells_the_bonus_too(staff):
    rma = refunded_by_approval(staff, "store_credit", store_credit_bonus_percent=Decimal("10"))

    body = only_email(rma, customer_emails.REFUNDED).payload["body"]

    assert rma.state == ReturnState.REFUNDED
    assert "we have refunded 100.00 EUR as store credit." in body
    assert f"On top of it, {rma.client.name} gives you a bonus of 10.00 EUR in store credit." in body
    assert "Your credit is ready to spend on your next order" in body and "bank" not in body


def test_a_gift_card_refund_points_to_the_email_with_the_code(staff):
    rma = refunded_by_approval(staff, "gift_card")

    body = only_email(rma, customer_emails.REFUNDED).payload["body"]

    assert "we have refunded 100.00 EUR as a gift card (its code comes in a separate email)." in body
    assert Message.objects.filter(type=GIFT_CARD_EMAIL, destination=rma.customer.email).count() == 1


def test_an_exchange_email_names_the_replacement(staff):
    rma = return_in_state(ReturnState.DISPOSITIONED, staff=staff, units=2, refund_method="exchange",
                          exchange_sku="KE-TEE-M-BLUE", refund_methods=["original_payment", "exchange"])
    refund = refund_services.approve_refund(refund=rma.refunds.get(), actor=staff.finance)

    refund_services.issue_refund(refund=refund, actor=staff.finance, reference="KE-R-1001")

    body = only_email(rma, customer_emails.REFUNDED).payload["body"]
    assert "we have ordered your replacement KE-TEE-M-BLUE for you, worth 100.00 EUR." in body
    assert "refunded" not in body


def test_the_rejection_email_gives_the_reason(staff):
    rma = requested_return(staff=staff)

    rma_services.reject_return(rma=rma, actor=staff.customer_service, reason="The window ended on 3 March.")

    email = only_email(rma, customer_emails.REJECTED)
    assert email.payload["subject"] == f"Your return request for order {rma.order.number}"
    assert "The reason: The window ended on 3 March." in email.payload["body"]
    assert "The window ended on 3 March." in email.payload["html"]


def test_a_full_return_sends_each_step_once_and_nothing_for_steps_the_customer_does_not_wait_for(staff):
    rma = return_in_state(ReturnState.REFUNDED, staff=staff)

    types = sorted(Message.objects.filter(transport=Transport.EMAIL).values_list("type", flat=True))

    assert types == ["email.return_authorized", "email.return_received", "email.return_refunded"]
    assert all(len(emails_of(rma, kind)) == 1 for kind in ("authorized", "received", "refunded"))


# -- in the customer's language -----------------------------------------------------------------------


def test_a_german_clients_customer_gets_german_emails(staff):
    rma = authorized(staff, client=german_client(auto_authorize=False))

    email = only_email(rma, customer_emails.AUTHORIZED)

    assert email.payload["subject"] == f"Ihre Rücksendung {rma.ran} ist genehmigt: Ihr Etikett liegt bereit"
    assert "Drucken Sie Ihr Rücksendeetikett hier aus:" in email.payload["body"]
    assert '<html lang="de">' in email.payload["html"] and "Rücksendeetikett drucken" in email.payload["html"]
    assert len(label_links_in(email.payload["body"])) == 1


def test_the_german_refund_email_writes_the_amount_the_german_way(staff):
    client = german_client(auto_authorize=False)
    rma = return_in_state(ReturnState.REFUNDED, staff=staff, client=client,
                          order=order_for(client, unit_price="1234.50", quantity=2))

    body = only_email(rma, customer_emails.REFUNDED).payload["body"]

    assert "wir haben 2.469,00 EUR auf Ihr ursprüngliches Zahlungsmittel erstattet" in body


def test_the_german_store_credit_email(staff):
    client = german_client(auto_authorize=False, store_credit_bonus_percent=Decimal("10"),
                           refund_methods=["original_payment", "store_credit"])
    rma = refunded_by_approval(staff, "store_credit", client=client)

    body = only_email(rma, customer_emails.REFUNDED).payload["body"]

    assert "wir haben 100,00 EUR als Guthaben erstattet." in body
    assert "Zusätzlich schenkt Hafenwerk GmbH Ihnen einen Bonus von 10,00 EUR als Guthaben." in body


def test_the_german_rejection_email_gives_the_reason(staff):
    rma = requested_return(staff=staff, client=german_client(auto_authorize=False))

    rma_services.reject_return(rma=rma, actor=staff.customer_service, reason="Das Rückgabefenster ist abgelaufen.")

    body = only_email(rma, customer_emails.REJECTED).payload["body"]
    assert "Der Grund: Das Rückgabefenster ist abgelaufen." in body


def test_the_german_received_email(staff):
    rma = authorized(staff, client=german_client(auto_authorize=False))

    rma_services.receive_scan(code=rma.ran, actor=staff.dock)

    email = only_email(rma, customer_emails.RECEIVED)
    assert email.payload["subject"] == f"Wir haben Ihre Rücksendung {rma.ran} erhalten"


@pytest.mark.parametrize(("return_language", "order_language", "client_languages", "speaks"), [
    ("de", "en", ["en"], "de"),  # the language the customer asked in comes first
    ("", "de-AT", ["en"], "de"),  # then the order's, read as the nearest we speak
    ("", "", ["de", "en"], "de"),  # then the client's first
    ("fr", "", ["en", "de"], "en"),  # a language we do not speak is passed over
])
def test_the_email_speaks_the_returns_language_else_the_orders_else_the_clients(
    staff, return_language, order_language, client_languages, speaks,
):
    client = client_with_policy(auto_authorize=False)
    Client.objects.filter(pk=client.pk).update(languages=client_languages)
    rma = requested_return(staff=staff, order=order_for(client, language=order_language), client=client)
    ReturnRequest.objects.filter(pk=rma.pk).update(language=return_language)

    rma = rma_services.authorize_return(rma=rma, actor=staff.customer_service)

    assert f'<html lang="{speaks}">' in only_email(rma, customer_emails.AUTHORIZED).payload["html"]
