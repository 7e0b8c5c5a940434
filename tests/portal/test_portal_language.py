"""The portal speaks the client's languages: the customer's pick, else the browser's, else the order's."""

import datetime as dt

import pytest
from django.utils import timezone

from rma.models import Client, ReturnRequest
from tests.factories import CustomerFactory, OrderFactory, OrderLineFactory
from tests.portal.conftest import look_up, url

pytestmark = pytest.mark.django_db


def test_a_german_browser_gets_the_portal_in_german(client, shop):
    response = client.get(url("start", shop), headers={"accept-language": "de-DE,de;q=0.9,en;q=0.5"})

    page = response.content.decode()
    assert response.headers["Content-Language"] == "de"
    assert '<html lang="de">' in page
    assert "Rücksendung starten" in page and '<label for="id_order_number">Bestellnummer</label>' in page


def test_a_language_the_client_does_not_speak_is_not_offered(client, shop):
    Client.objects.filter(pk=shop.pk).update(languages=["en"])

    response = client.get(url("start", shop), headers={"accept-language": "de"})

    assert response.headers["Content-Language"] == "en"
    assert 'name="language"' not in response.content.decode()  # one language: no switch


def test_without_a_browser_language_the_orders_language_is_spoken(client, shop):
    customer = CustomerFactory(client=shop, email="jonas@example.com")
    order = OrderFactory(client=shop, customer=customer, number="HW-DE", language="de-AT")
    OrderLineFactory(order=order, line_number=1, description="Regenjacke")

    look_up(client, order)
    page = client.get(url("order", shop), headers={"accept-language": "fr"}).content.decode()

    assert "Bestellung HW-DE" in page and "Was möchten Sie zurücksenden?" in page


def test_the_language_switch_keeps_the_customers_pick(client, shop):
    response = client.post(url("language", shop), {"language": "de", "next": url("status", shop)})

    assert response.status_code == 302 and response.url == url("status", shop)
    page = client.get(url("status", shop), headers={"accept-language": "en"}).content.decode()
    assert "Rücksendenummer (RAN)" in page
    assert '<button type="submit" name="language" value="de" lang="de" aria-current="true">Deutsch</button>' in page


@pytest.mark.parametrize("back", ["https://evil.example/", "//evil.example/", "/admin/"])
def test_the_switch_goes_back_only_to_this_portal(client, shop, back):
    response = client.post(url("language", shop), {"language": "de", "next": back})

    assert response.url == url("start", shop)


def test_a_language_not_offered_is_ignored(client, shop):
    client.post(url("language", shop), {"language": "fr"})

    assert client.get(url("start", shop)).headers["Content-Language"] == "en"


def test_the_return_is_requested_in_the_language_the_customer_sees(client, order):
    look_up(client, order)
    line = order.lines.get(line_number=1)

    client.post(url("order", order.client), {
        f"unit-{line.pk}-1-return": "on", f"unit-{line.pk}-1-reason": "size_fit", "refund_method": "store_credit",
    }, headers={"accept-language": "de"})

    rma = ReturnRequest.objects.get()
    assert rma.language == "de"
    page = client.get(url("return", order.client, pk=rma.pk), headers={"accept-language": "de"}).content.decode()
    assert "Genehmigt: Bitte senden Sie Ihr Paket" in page and "Rücksendeetikett herunterladen (PDF)" in page
    assert "Der Artikel passt nicht" in page and "Guthaben im Shop" in page


def test_the_reasons_a_unit_cannot_come_back_in_german(client, shop):
    customer = CustomerFactory(client=shop, email="ben@example.com")
    now = timezone.now()
    late = OrderFactory(client=shop, customer=customer, number="HW-ALT", delivered_at=now - dt.timedelta(days=40),
                        ordered_at=now - dt.timedelta(days=41))
    OrderLineFactory(order=late, line_number=1)
    look_up(client, late)

    page = client.get(url("order", shop), headers={"accept-language": "de"}).content.decode()

    assert "Nicht rücksendbar: Die Rückgabefrist endete am" in page


def test_the_german_portal_shows_the_store_credit_bonus_and_form_errors_in_german(client, order):
    look_up(client, order)
    headers = {"accept-language": "de"}

    page = client.get(url("order", order.client), headers=headers).content.decode()
    refused = client.post(url("order", order.client), {"refund_method": "original_payment"}, headers=headers)

    assert "Guthaben im Shop, mit 10 % Bonus obendrauf" in page
    assert "Kreuzen Sie mindestens einen Artikel zur Rücksendung an." in refused.content.decode()


def test_the_no_match_answer_and_the_rate_limit_page_in_german(client, order, settings):
    settings.PORTAL_LOOKUPS_PER_ORDER = 1
    headers = {"accept-language": "de"}
    data = {"order_number": order.number, "email": "falsch@example.com"}

    no_match = client.post(url("start", order.client), data, headers=headers).content.decode()
    limited = client.post(url("start", order.client), data, headers=headers)

    assert "Wir haben keine Bestellung mit dieser Nummer und E-Mail-Adresse gefunden." in no_match
    assert limited.status_code == 429 and "Zu viele Versuche" in limited.content.decode()
