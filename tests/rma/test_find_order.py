"""Finding an order by its number: the imported one, else the client's system asked live, over real HTTP
to a server on 127.0.0.1 (tests.outbox.receiver), with every way that system can fail said plainly."""

import json
import socket
from decimal import Decimal

import pytest
from django.db import OperationalError, connection, connections, transaction
from standardwebhooks import Webhook

from core.actors import CustomerActor, SystemActor
from core.errors import InvalidInput, OrderLookupUnavailable, PermissionRefused
from rma import services
from rma.models import Client, Customer, Order
from tests.factories import client_account, client_with_policy, order_for
from tests.outbox.receiver import Answer
from tests.rma.order_lookup import order_answer

CS_JOB = SystemActor("portal")


@pytest.fixture
def shop(merchant, receiver) -> Client:
    """A client whose system answers order lookups at the receiver, signed with the merchant's secret."""
    Client.objects.filter(pk=merchant.pk).update(order_lookup_url=receiver.url)
    merchant.refresh_from_db()
    return merchant


def answering(receiver, *answers: Answer) -> None:
    receiver.answers = list(answers)


def test_an_order_never_imported_is_asked_of_the_clients_system_and_imported(shop, receiver, staff):
    answering(receiver, Answer(body=order_answer()))

    order = services.find_order(client=shop, number="KE-1001", actor=staff.customer_service)

    assert order.client == shop and order.number == "KE-1001" and order.payment_reference == "ch_1001"
    assert order.customer.email == "mia.lang@example.com" and order.city == "Berlin"
    lines = {line.sku: line for line in order.lines.all()}
    assert lines["KE-TEE"].unit_price == Decimal("24.95") and lines["KE-TEE"].quantity == 2
    assert lines["KE-WATCH"].serial_numbers == ["SN-77"]


def test_a_second_lookup_reads_the_imported_order_without_asking_again(shop, receiver, staff):
    answering(receiver, Answer(body=order_answer()))
    first = services.find_order(client=shop, number="KE-1001", actor=staff.customer_service)

    again = services.find_order(client=shop, number=" KE-1001 ", actor=staff.customer_service)

    assert again == first and len(receiver.received) == 1
    assert Order.objects.filter(client=shop).count() == 1 and Customer.objects.filter(client=shop).count() == 1


def test_the_request_is_signed_as_webhooks_are_and_verifies_with_the_standard_library(shop, receiver, staff):
    answering(receiver, Answer(body=order_answer()))

    services.find_order(client=shop, number="KE-1001", actor=staff.customer_service)

    [request] = receiver.received
    payload = Webhook(shop.secret).verify(request.body, request.headers)
    assert payload["type"] == "order.lookup" and payload["data"] == {"client": shop.code, "number": "KE-1001"}
    assert request.headers["webhook-id"].startswith("msg_")


def test_during_a_rotation_the_request_carries_a_signature_per_secret(shop, receiver, staff):
    newest = services.generate_webhook_secret(client=shop, actor=staff.manager)
    answering(receiver, Answer(body=order_answer()))

    services.find_order(client=Client.objects.get(pk=shop.pk), number="KE-1001", actor=staff.customer_service)

    [request] = receiver.received
    for secret in (shop.secret, newest):
        Webhook(secret).verify(request.body, request.headers)


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_no_transaction_and_no_lock_is_held_while_the_clients_system_answers(postgres_only, shop, receiver, staff):
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        [asking] = cursor.fetchone()
    seen = {}

    def look_from_another_connection():
        try:
            with connection.cursor() as cursor:
                cursor.execute("SELECT state FROM pg_stat_activity WHERE pid = %s", [asking])
                [seen["asker"]] = cursor.fetchone()
            with transaction.atomic():
                Client.objects.select_for_update(nowait=True).get(pk=shop.pk)
            seen["client row"] = "free"
        except OperationalError:
            seen["client row"] = "locked"
        finally:
            connections.close_all()  # the server's thread: its own connection, closed before the test ends

    answering(receiver, Answer(body=order_answer(), during=look_from_another_connection))

    services.find_order(client=shop, number="KE-1001", actor=staff.customer_service)

    assert seen == {"asker": "idle", "client row": "free"}


def test_an_imported_order_is_found_without_asking(shop, receiver, staff):
    order = order_for(shop, number="KE-7")

    assert services.find_order(client=shop, number="KE-7", actor=staff.customer_service) == order
    assert receiver.received == []


def test_a_client_without_a_lookup_url_is_not_asked_and_an_unknown_number_is_none(merchant, receiver, staff):
    assert services.find_order(client=merchant, number="KE-1001", actor=staff.customer_service) is None
    assert receiver.received == []


def test_an_order_the_clients_system_does_not_know_is_none(shop, receiver, staff):
    answering(receiver, Answer(status=404, body={"code": "not_found"}))

    assert services.find_order(client=shop, number="KE-404", actor=staff.customer_service) is None
    assert not Order.objects.filter(client=shop).exists()


def test_a_system_that_is_down_is_said_to_be_unreachable(shop, staff):
    with socket.socket() as closed:  # a port nobody listens on: the connection is refused
        closed.bind(("127.0.0.1", 0))
        port = closed.getsockname()[1]
    Client.objects.filter(pk=shop.pk).update(order_lookup_url=f"http://127.0.0.1:{port}/orders")
    shop.refresh_from_db()

    with pytest.raises(OrderLookupUnavailable, match=f"could not look up order KE-1001 in {shop.name}'s system: "
                                                     "it could not be reached"):
        services.find_order(client=shop, number="KE-1001", actor=staff.customer_service)


def test_a_system_slower_than_the_timeout_is_given_up_on(shop, receiver, staff, settings):
    settings.ORDER_LOOKUP_TIMEOUT_SECONDS = 0.2
    answering(receiver, Answer(body=order_answer(), delay=1.0))

    with pytest.raises(OrderLookupUnavailable, match=r"did not answer within 0\.2 seconds"):
        services.find_order(client=shop, number="KE-1001", actor=staff.customer_service)
    assert not Order.objects.filter(client=shop).exists()


def test_a_connection_dropped_without_an_answer_is_unreachable(shop, receiver, staff):
    answering(receiver, Answer(drop=True))

    with pytest.raises(OrderLookupUnavailable, match="could not be reached"):
        services.find_order(client=shop, number="KE-1001", actor=staff.customer_service)


@pytest.mark.parametrize("status, said", [
    (500, "it answered HTTP 500"), (503, "it answered HTTP 503"), (400, "it answered HTTP 400"),
    (401, r"it refused our request \(HTTP 401\)"), (403, r"it refused our request \(HTTP 403\)"),
])
def test_an_error_or_a_refusal_is_no_answer(shop, receiver, staff, status, said):
    answering(receiver, Answer(status=status, body={"error": "nope"}))

    with pytest.raises(OrderLookupUnavailable, match=said):
        services.find_order(client=shop, number="KE-1001", actor=staff.customer_service)
    assert not Order.objects.filter(client=shop).exists()


@pytest.mark.parametrize("answer, said", [
    (Answer(raw=b"<html>Gateway</html>"), "its answer is not JSON"),
    (Answer(raw=b"[1, 2]"), "its answer is not an order"),
    (Answer(raw=b"[" * 100_000), "its answer is not JSON"),
    (Answer(raw=b"\xff\xfe{}"), "its answer is not JSON"),
    (Answer(body=order_answer(number="KE-2002")), "it answered with another order"),
    (Answer(body=order_answer(lines=[])), "not an order in the expected shape"),
    (Answer(body=order_answer(customer="mia@example.com")), "not an order in the expected shape"),
    (Answer(body=order_answer(payment_method={"kind": "card"})), "not an order in the expected shape"),
    (Answer(body=order_answer(lines=[{"line_number": 1, "sku": "X", "quantity": 1, "unit_price": "1.00",
                                      "serial_numbers": "SN-1"}])), "not an order in the expected shape"),
    (Answer(body=order_answer(lines=[{"line_number": 1, "sku": "X", "quantity": 1, "unit_price": "1.00",
                                      "serial_numbers": ["SN-1;SN-2"]}])), "not an order in the expected shape"),
    (Answer(body=order_answer(lines=[{"line_number": 1, "sku": "X", "quantity": True, "unit_price": "1"}])),
     "not an order in the expected shape"),
    (Answer(body=order_answer(lines=[{"line_number": 1, "sku": "X", "quantity": 1, "unit_price": "cheap"}])),
     r"not a valid order \(unit_price\)"),
    (Answer(body=order_answer(currency="EURO", ordered_at="yesterday"), ), r"\(currency, ordered_at\)"),
    (Answer(body={**order_answer(), "customer": {"email": "not-an-email"}}), r"\(customer_email\)"),
])
def test_an_answer_we_cannot_take_is_refused_and_nothing_is_imported(shop, receiver, staff, answer, said):
    answering(receiver, answer)

    with pytest.raises(OrderLookupUnavailable, match=said) as refused:
        services.find_order(client=shop, number="KE-1001", actor=staff.customer_service)
    assert not Order.objects.filter(client=shop).exists() and not Customer.objects.filter(client=shop).exists()
    assert "mia" not in refused.value.message.lower()  # the person is told what is wrong, not the answer


def test_an_answer_too_long_for_an_order_is_refused(shop, receiver, staff):
    answering(receiver, Answer(raw=json.dumps({"number": "KE-1001", "padding": "x" * 300_000}).encode()))

    with pytest.raises(OrderLookupUnavailable, match="too long for one order"):
        services.find_order(client=shop, number="KE-1001", actor=staff.customer_service)


def test_a_price_written_as_a_json_number_is_read_exactly(shop, receiver, staff):
    lines = [{"line_number": 1, "sku": "KE-CAP", "quantity": 3, "unit_price": 0.1}]
    answering(receiver, Answer(raw=json.dumps(order_answer(lines=lines)).encode()))

    order = services.find_order(client=shop, number="KE-1001", actor=staff.customer_service)

    assert order.lines.get().unit_price == Decimal("0.10")


def test_the_clients_own_spelling_of_the_number_is_taken(shop, receiver, staff):
    answering(receiver, Answer(body=order_answer(number="KE-1001")))

    order = services.find_order(client=shop, number="ke 1001", actor=staff.customer_service)

    assert order.number == "KE-1001"
    assert Webhook(shop.secret).verify(receiver.received[0].body, receiver.received[0].headers)["data"]["number"] \
        == "ke 1001"


def test_a_private_address_is_refused_without_a_request_when_private_urls_are_off(shop, receiver, staff, settings):
    settings.OUTBOX_ALLOW_PRIVATE_URLS = False
    port = receiver.url.split(":")[2].split("/")[0]
    Client.objects.filter(pk=shop.pk).update(order_lookup_url=f"https://127.0.0.1:{port}/orders")
    shop.refresh_from_db()

    with pytest.raises(OrderLookupUnavailable, match=r"lookup address is refused.*private address"):
        services.find_order(client=shop, number="KE-1001", actor=staff.customer_service)
    assert receiver.received == []


def test_plain_http_is_refused_when_private_urls_are_off(shop, receiver, staff, settings):
    settings.OUTBOX_ALLOW_PRIVATE_URLS = False

    with pytest.raises(OrderLookupUnavailable, match="https://"):
        services.find_order(client=shop, number="KE-1001", actor=staff.customer_service)
    assert receiver.received == []


def test_a_client_without_a_signing_secret_is_not_asked_unsigned(receiver, staff):
    client = client_with_policy()
    Client.objects.filter(pk=client.pk).update(order_lookup_url=receiver.url)
    client.refresh_from_db()

    with pytest.raises(OrderLookupUnavailable, match=r"no webhook secret yet\. A manager must check"):
        services.find_order(client=client, number="KE-1001", actor=staff.customer_service)
    assert receiver.received == []


def test_an_inactive_client_is_not_asked(shop, receiver, staff):
    Client.objects.filter(pk=shop.pk).update(is_active=False)
    shop.refresh_from_db()

    with pytest.raises(OrderLookupUnavailable, match="inactive"):
        services.find_order(client=shop, number="KE-1001", actor=staff.customer_service)
    assert receiver.received == []


@pytest.mark.parametrize("number", ["", "   ", "K" * 65, "KE\x001"])
def test_a_number_no_order_can_have_is_invalid_input(shop, receiver, staff, number):
    with pytest.raises(InvalidInput, match="1 to 64 characters"):
        services.find_order(client=shop, number=number, actor=staff.customer_service)
    assert receiver.received == []


def test_the_clients_own_account_and_jobs_may_look_up(shop, receiver):
    answering(receiver, Answer(body=order_answer()))

    assert services.find_order(client=shop, number="KE-1001", actor=client_account(shop)).number == "KE-1001"
    assert services.find_order(client=shop, number="KE-1001", actor=CS_JOB).number == "KE-1001"


def test_another_clients_account_may_not_look_up_and_nothing_is_asked(shop, receiver):
    with pytest.raises(PermissionRefused):
        services.find_order(client=shop, number="KE-1001", actor=client_account(client_with_policy()))
    assert receiver.received == []


def test_nobody_acting_is_refused(shop, receiver):
    with pytest.raises(PermissionRefused):
        services.find_order(client=shop, number="KE-1001", actor=None)
    assert receiver.received == []


def test_a_customer_of_another_client_may_not_look_up(shop, receiver):
    stranger = CustomerActor(customer=order_for(client_with_policy()).customer)

    with pytest.raises(PermissionRefused):
        services.find_order(client=shop, number="KE-1001", actor=stranger)
    assert receiver.received == []


def test_staff_without_the_right_to_see_orders_may_not_look_up(shop, receiver, staff):
    with pytest.raises(PermissionRefused, match="look up orders"):
        services.find_order(client=shop, number="KE-1001", actor=staff.dock)
    assert receiver.received == []
