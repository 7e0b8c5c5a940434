"""Finding a client's order by its number: the imported one, else asked live of the client's system.

A client that sets `Client.order_lookup_url` answers for orders it never sent us (DESIGN.md, "Talking
to the clients' systems"; docs/webhooks.md, "Order lookup"). The request is signed as our webhooks are
and goes where a webhook may go (outbox.destinations); its answer, the body of POST /api/v1/orders/,
is imported through import_orders as one order file would be, so the same checks apply. The call holds
no lock and opens no transaction: only the import afterwards does, briefly.

Whatever goes wrong on the way (unreachable, slow, refusing, an answer we cannot take) is an
OrderLookupUnavailable saying so for a person: never a guess that the order does not exist.
"""

import json
import logging
import time
from decimal import Decimal
from typing import Any

import requests
from django.conf import settings
from django.utils import timezone

from core.actors import Actor, ClientActor, CustomerActor, StaffActor, SystemActor, as_actor, require
from core.errors import DomainError, InvalidInput, OrderLookupUnavailable, PermissionRefused
from outbox import destinations, signing
from outbox.models import new_message_id
from rma import order_import
from rma.models import Client, Order
from rma.selectors import same_order_number
from rma.services.orders import import_orders

logger = logging.getLogger(__name__)

LOOKUP_TYPE = "order.lookup"
LOOKUP_ACTOR = SystemActor("order_lookup")
LONGEST_ANSWER = 256 * 1024  # an order of a few hundred lines; more is not an order lookup's answer
LONGEST_NUMBER = Order._meta.get_field("number").max_length

# The answer's customer fields, by the order file's column each one fills.
CUSTOMER_COLUMNS = {
    "customer_email": "email", "customer_name": "name", "phone": "phone", "address_line1": "address_line1",
    "address_line2": "address_line2", "city": "city", "region": "region", "postal_code": "postal_code",
    "country": "country",
}
ORDER_KEYS = ("ordered_at", "delivered_at", "payment_method", "payment_reference", "currency")
LINE_KEYS = ("line_number", "sku", "description", "category", "quantity", "unit_price")
SERIAL_SEPARATORS = {";", "|"}  # rma.order_import splits a cell of serial numbers at these


def find_order(*, client: Client, number: str, actor: Actor) -> Order | None:
    """The client's order with this number: the imported one, else the one its system answers for
    (imported on the way, so the next lookup reads it here), else None when the system says it has none.

    `number` is read as the order import reads it (trimmed). Raises OrderLookupUnavailable when the
    client's system cannot be asked or gives an answer we cannot take, InvalidInput for a number no
    order can have. Call it outside any transaction: one held open would keep its locks for as long
    as the client's system takes to answer.
    """
    _check_may_look_up(actor, client)
    number = (number or "").strip()
    if not number or "\x00" in number or len(number) > LONGEST_NUMBER:
        raise InvalidInput(f"An order number has 1 to {LONGEST_NUMBER} characters.")
    order = Order.objects.select_related("client", "customer").filter(client=client, number=number).first()
    if order is not None or not client.order_lookup_url:
        return order
    answer = _ask_client_system(client, number)
    if answer is None:
        return None
    return _import_answer(client, number, answer)


def _check_may_look_up(actor: Actor, client: Client) -> None:
    """Staff who may see orders, the client's own accounts and customers, and jobs."""
    actor = as_actor(actor)
    if isinstance(actor, StaffActor):
        require(actor, "rma.view_order", action="look up orders")
        return
    if isinstance(actor, ClientActor):
        owner_id, active = actor.client.pk, actor.user.is_active
    elif isinstance(actor, CustomerActor):
        owner_id, active = actor.customer.client_id, True
    else:
        return
    if not active or owner_id != client.pk:
        raise PermissionRefused(f"You are not allowed to look up orders of {client}.")


def _unavailable(client: Client, number: str, why: str, *, settings_wrong: bool = False) -> OrderLookupUnavailable:
    then = (f"A manager must check {client}'s order lookup settings." if settings_wrong
            else f"Try again later, or ask {client} for the order.")
    return OrderLookupUnavailable(f"We could not look up order {number} in {client}'s system: {why} {then}")


def _ask_client_system(client: Client, number: str) -> dict | None:
    """The client system's answer as JSON, or None for its 404; no database lock is held meanwhile."""
    if not client.is_active:
        raise _unavailable(client, number, "the client is inactive.", settings_wrong=True)
    secrets_ = tuple(secret for secret in (client.webhook_secret, client.webhook_secret_previous) if secret)
    if not secrets_:
        raise _unavailable(client, number, "the request cannot be signed, as the client has no webhook secret yet.",
                           settings_wrong=True)
    try:
        destinations.check_url(client.order_lookup_url)
    except DomainError as error:
        raise _unavailable(client, number, f"its lookup address is refused. {error.message}",
                           settings_wrong=True) from None
    message_id = new_message_id()
    now = timezone.now()
    body = json.dumps(
        {"type": LOOKUP_TYPE, "timestamp": now.isoformat(), "data": {"client": client.code, "number": number}},
        separators=(",", ":"), sort_keys=True,
    )
    headers = {
        "content-type": "application/json", "accept": "application/json", "user-agent": "returns-back-office-lookup/1",
        **signing.headers(secrets_=secrets_, message_id=message_id, timestamp=int(now.timestamp()), body=body),
    }
    timeout = settings.ORDER_LOOKUP_TIMEOUT_SECONDS
    started = time.monotonic()
    try:
        # No redirects: a redirect could lead to an address the check above would refuse.
        with requests.post(client.order_lookup_url, data=body.encode(), headers=headers, timeout=timeout,
                           allow_redirects=False, stream=True) as response:
            status = response.status_code
            content = _read_answer(client, number, response, deadline=started + timeout)
    except requests.Timeout:
        _log(client, message_id, started, "timeout")
        raise _unavailable(client, number, f"it did not answer within {timeout:g} seconds.") from None
    except requests.RequestException as error:
        _log(client, message_id, started, type(error).__name__)
        raise _unavailable(client, number, "it could not be reached.") from None
    _log(client, message_id, started, f"HTTP {status}")
    if status == 404:
        return None
    if status in (401, 403):
        raise _unavailable(
            client, number, f"it refused our request (HTTP {status}); its signing secret may be out of date."
        )
    if status != 200:
        raise _unavailable(client, number, f"it answered HTTP {status}.")
    try:
        answer = json.loads(content, parse_float=Decimal)  # prices exactly as written, never through a float
    except (ValueError, RecursionError):  # RecursionError: nested deeper than any order is
        raise _unavailable(client, number, "its answer is not JSON.") from None
    if not isinstance(answer, dict):
        raise _unavailable(client, number, "its answer is not an order.")
    return answer


def _read_answer(client: Client, number: str, response: requests.Response, *, deadline: float) -> bytes:
    """The body, refused when it grows too long or trickles in past the timeout (each read has its own)."""
    content = b""
    for chunk in response.iter_content(chunk_size=16 * 1024):
        content += chunk
        if len(content) > LONGEST_ANSWER:
            raise _unavailable(client, number, "its answer is too long for one order.")
        if time.monotonic() > deadline:
            raise requests.Timeout
    return content


def _log(client: Client, message_id: str, started: float, outcome: str) -> None:
    # The client and the request's id, never the number, the answer or the URL: they may name a customer.
    elapsed = int((time.monotonic() - started) * 1000)
    logger.info("order lookup %s for client %s: %s after %d ms", message_id, client.code, outcome, elapsed)


def _import_answer(client: Client, number: str, answer: dict) -> Order:
    """The answered order, imported as the rows of an order file: the import's checks, its one transaction."""
    if not same_order_number(str(answer.get("number", "")).strip(), number):
        raise _unavailable(client, number, "it answered with another order.")
    try:
        rows = _as_order_file_rows(client, answer)
    except (TypeError, ValueError):
        raise _unavailable(client, number, "its answer is not an order in the expected shape.") from None
    report = import_orders(columns=list(order_import.COLUMNS), rows=rows, actor=LOOKUP_ACTOR)
    if report.problems:
        columns = sorted({problem.column for problem in report.problems})
        logger.info("order lookup for client %s: answer refused (%s)", client.code, ", ".join(columns))
        raise _unavailable(client, number, f"its answer is not a valid order ({', '.join(columns)}).")
    [imported] = report.orders
    return Order.objects.select_related("client", "customer").get(pk=imported.record.pk)


def _as_order_file_rows(client: Client, answer: dict) -> list[dict[str, Any]]:
    """One order-file row per line of the answer; ValueError or TypeError when it is not that shape."""
    customer, lines = answer.get("customer"), answer.get("lines")
    if not isinstance(customer, dict) or not isinstance(lines, list) or not lines:
        raise ValueError("an order has a customer and at least one line")
    order_cells = {
        "client_code": client.code, "order_number": _scalar(answer["number"]),
        **{column: _scalar(customer.get(key)) for column, key in CUSTOMER_COLUMNS.items()},
        **{key: _scalar(answer.get(key)) for key in ORDER_KEYS},
    }
    rows = []
    for line in lines:
        if not isinstance(line, dict):
            raise TypeError("a line is an object")
        serials = line.get("serial_numbers") or []
        if not isinstance(serials, list) or not all(isinstance(serial, str) for serial in serials):
            raise TypeError("serial_numbers is a list of strings")
        if any(SERIAL_SEPARATORS & set(serial) for serial in serials):
            raise ValueError("a serial number holds a character the order file separates serial numbers by")
        rows.append({
            **order_cells, **{key: _scalar(line.get(key)) for key in LINE_KEYS},
            "serial_numbers": ";".join(serials),
        })
    return rows


def _scalar(value: Any) -> Any:
    """A value an order file's cell could hold; objects and lists in the wrong place are a malformed answer."""
    if isinstance(value, dict | list | bool):
        raise TypeError("a field holds an object, a list or true/false")
    return value
