"""Opening a return and deciding on it: request, authorization against the policy, rejection,
cancellation, and the expiry of RANs nobody used.
"""

import datetime as dt
from collections import Counter

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from core.actors import Actor, ClientActor, CustomerActor, StaffActor, SystemActor, require, user_of
from core.errors import DomainError, InvalidInput, NotConfigured, PermissionRefused, PolicyViolation, TransitionRefused
from core.uploads import checked_photo, checked_receipt
from rma import ran as ran_codes
from rma import selectors
from rma.models import (
    Order,
    Reason,
    RefundMethod,
    RequestChannel,
    ReturnEventType,
    ReturnItem,
    ReturnRequest,
    ReturnState,
    Warehouse,
)
from rma.services._common import locked
from rma.trail import apply_transition, ensure_transition_allowed, record_event

# Automatic steps: a policy that authorizes on its own, and the nightly expiry of unused RANs.
AUTO_AUTHORIZATION = SystemActor("auto_authorization")
EXPIRY = SystemActor("expire_authorizations")

# The channels each kind of actor opens a return through: customer service enters what customers
# asked by phone, email or chat (or in the admin); the portal and the API are their own doors.
REQUEST_CHANNELS_OF = {
    StaffActor: {RequestChannel.PHONE, RequestChannel.EMAIL, RequestChannel.CHAT, RequestChannel.ADMIN},
    ClientActor: {RequestChannel.API},
    CustomerActor: {RequestChannel.PORTAL},
}


def _validated_units(*, order: Order, items: list[dict]) -> list[dict]:
    """One dict per physical unit, or InvalidInput naming the first bad line of the request."""
    if not items:
        raise InvalidInput("Pick at least one item to return.")
    lines = {line.pk: line for line in order.lines.all()}
    requested_per_line: Counter[int] = Counter()
    units = []
    for position, entry in enumerate(items, start=1):
        line = entry.get("order_line")
        line_id = getattr(line, "pk", line)
        if line_id not in lines:
            raise InvalidInput(f"Item {position}: that line is not part of order {order.number}.")
        line = lines[line_id]
        quantity = entry.get("quantity", 1)
        if not isinstance(quantity, int) or isinstance(quantity, bool) or quantity < 1:
            raise InvalidInput(f"Item {position} ({line.sku}): the quantity must be a whole number of at least 1.")
        reason = entry.get("reason")
        if reason not in Reason.values:
            raise InvalidInput(f"Item {position} ({line.sku}): '{reason}' is not a return reason.")
        requested_per_line[line.pk] += quantity
        if requested_per_line[line.pk] > line.quantity:
            raise InvalidInput(
                f"{line.sku}: {requested_per_line[line.pk]} requested but only {line.quantity} were delivered."
            )
        photo = entry.get("photo")
        if photo and quantity != 1:
            raise InvalidInput(f"Item {position} ({line.sku}): a photo shows one unit; give it with a quantity of 1.")
        units.extend(
            {
                "order_line": line,
                "reason": reason,
                "comment": (entry.get("comment") or "").strip(),
                "serial_number": (entry.get("serial_number") or "").strip(),
                "customer_photo": checked_photo(photo) if photo else "",
            }
            for _ in range(quantity)
        )
    return units


LONGEST_SKU = ReturnRequest._meta.get_field("exchange_sku").max_length


def _validated_exchange_sku(*, refund_method: str, exchange_sku: str) -> str:
    """The replacement SKU an exchange needs; any other refund method takes none."""
    exchange_sku = (exchange_sku or "").strip()
    if refund_method != RefundMethod.EXCHANGE:
        if exchange_sku:
            raise InvalidInput("Only an exchange takes a replacement SKU; leave it empty for this refund method.")
        return ""
    if not exchange_sku:
        raise InvalidInput("Give the SKU the customer takes in exchange.")
    if len(exchange_sku) > LONGEST_SKU:
        raise InvalidInput(f"A replacement SKU has at most {LONGEST_SKU} characters.")
    return exchange_sku


def _check_request_actor(*, actor: Actor, channel: str, order: Order) -> Actor:
    if channel not in RequestChannel.values:
        raise InvalidInput(f"'{channel}' is not a request channel.")
    actor = require(actor, "rma.create_return", action="create return requests", on=order)
    if channel not in REQUEST_CHANNELS_OF[type(actor)]:
        allowed = ", ".join(sorted(REQUEST_CHANNELS_OF[type(actor)]))
        raise PermissionRefused(f"You open returns by {allowed}, not by {channel}.")
    return actor


@transaction.atomic
def create_return_request(
    *,
    order: Order,
    items: list[dict],
    channel: str,
    actor: Actor,
    refund_method: str | None = None,
    notes: str = "",
    receipt_document=None,
    exchange_sku: str = "",
    language: str = "",
) -> ReturnRequest:
    """Open a return of the listed units; authorize it at once when the policy auto-authorizes.

    An exchange names the replacement SKU the customer picked (`exchange_sku`). A unit may carry the
    customer's `photo` (of a damage claim). `language` is the one the customer asked in (their emails').
    """
    actor = _check_request_actor(actor=actor, channel=channel, order=order)
    # Lock the order: two requests on it at once must not both claim the same units.
    order = Order.objects.select_for_update().select_related("client", "customer").get(pk=order.pk)
    units = _validated_units(order=order, items=items)
    policy = selectors.current_policy(client=order.client)
    if policy is None:
        raise NotConfigured(f"{order.client} has no return policy yet.")
    refund_method = refund_method or policy.default_refund_method()
    if refund_method not in RefundMethod.values:
        raise InvalidInput(f"'{refund_method}' is not a refund method.")
    if refund_method not in policy.offered_refund_methods():
        raise InvalidInput(f"{order.client} does not offer refunds by {refund_method.replace('_', ' ')}.")
    exchange_sku = _validated_exchange_sku(refund_method=refund_method, exchange_sku=exchange_sku)
    if language and language not in dict(settings.LANGUAGES):
        raise InvalidInput(f"'{language}' is not a language we speak.")

    now = timezone.now()
    rma = ReturnRequest(
        client=order.client, order=order, customer=order.customer, policy=policy, channel=channel,
        refund_method=refund_method, exchange_sku=exchange_sku, notes=notes, created_by=user_of(actor),
        requested_at=now, state_entered_at=now, language=language,
    )
    if receipt_document:
        rma.receipt_document = checked_receipt(receipt_document)
    rma.save()
    ReturnItem.objects.bulk_create(
        ReturnItem(return_request=rma, unit_number=number, **unit) for number, unit in enumerate(units, start=1)
    )
    record_event(
        rma=rma, action=ReturnEventType.REQUEST, actor=actor, from_state="", at=now,
        details={"units": len(units), "channel": channel},
    )
    if policy.auto_authorize:
        failures = selectors.policy_failures(rma=rma)
        if failures:
            _hold_for_review(rma=rma, failures=failures, actor=AUTO_AUTHORIZATION)
        else:
            _authorize(rma=rma, actor=AUTO_AUTHORIZATION)
    return locked(rma)


@transaction.atomic
def attach_receipt(*, rma: ReturnRequest, actor: Actor, document) -> ReturnRequest:
    """Attach the customer's receipt document to a request awaiting authorization, or replace the one it has.

    A request held for a missing receipt may then be authorized; the document is checked by its content.
    """
    actor = require(actor, "rma.create_return", action="attach receipts to returns", on=rma)
    if not document:
        raise InvalidInput("Choose the receipt document to attach.")
    document = checked_receipt(document)
    rma = locked(rma)
    if rma.state != ReturnState.REQUESTED:
        raise TransitionRefused(
            f"Return {rma} is {rma.get_state_display().lower()}: a receipt is attached while the request "
            "waits for authorization."
        )
    replaced = bool(rma.receipt_document)
    rma.receipt_document = document
    rma.save(update_fields=["receipt_document", "updated_at"])
    record_event(
        rma=rma, action=ReturnEventType.RECEIPT_ATTACHED, actor=actor,
        note="Receipt document replaced." if replaced else "Receipt document attached.",
        details={"replaced": replaced},
    )
    return locked(rma)


def _unused_ran() -> str:
    # 32^8 codes: a collision is rare, but a reused RAN would send a parcel to the wrong return.
    for _ in range(10):
        candidate = ran_codes.generate_ran()
        if not ReturnRequest.objects.filter(ran=candidate).exists():
            return candidate
    raise DomainError("Could not draw an unused RAN; try again.", code="ran_exhausted")


def _destination(rma: ReturnRequest) -> tuple[Warehouse, dict]:
    """The warehouse the parcel is sent to, and how it was chosen (for the event): the client's route for
    the country the parcel ships from, else the client's default warehouse."""
    route = selectors.warehouse_route(client=rma.client, country=rma.ship_from().country)
    warehouse = route.warehouse if route else rma.client.default_warehouse
    routing = {"warehouse": warehouse.pk, "warehouse_code": warehouse.code}
    if route:
        return warehouse, {**routing, "routed_by": "route", "route": route.pk}
    return warehouse, {**routing, "routed_by": "client_default"}


def _authorize(*, rma: ReturnRequest, actor: Actor, note: str = "", details: dict | None = None) -> None:
    expires_at = timezone.now() + dt.timedelta(days=rma.policy.ran_validity_days)
    warehouse, routing = _destination(rma)
    apply_transition(
        rma=rma, transition="authorize", actor=actor, note=note, details={**(details or {}), **routing},
        ran=_unused_ran(), expires_at=expires_at, warehouse=warehouse,
    )


def _hold_for_review(*, rma: ReturnRequest, failures: list, actor: Actor) -> None:
    record_event(
        rma=rma, action=ReturnEventType.AUTHORIZATION_REFUSED, actor=actor,
        note="Held for customer service: " + " ".join(f.message for f in failures),
        details={"failed_rules": [f.as_dict() for f in failures]},
    )


def authorize_return(*, rma: ReturnRequest, actor: Actor, override_reason: str = "") -> ReturnRequest:
    """Run the policy checks and issue the RAN.

    A failing request stays `requested` with every failed rule on its event, and PolicyViolation
    is raised; a manager may authorize it anyway by giving an `override_reason` (recorded).
    """
    actor = require(actor, "rma.authorize_return", action="authorize returns", on=rma)
    override_reason = override_reason.strip()
    if override_reason:
        require(actor, "rma.override_policy", action="override the return policy", on=rma)
    with transaction.atomic():
        rma = locked(rma)
        ensure_transition_allowed(rma=rma, transition="authorize")
        failures = selectors.policy_failures(rma=rma)
        if not failures:
            _authorize(rma=rma, actor=actor)
            return rma
        if override_reason:
            _authorize(
                rma=rma, actor=actor, note=f"Policy overridden: {override_reason}",
                details={"overridden_rules": [f.as_dict() for f in failures]},
            )
            return rma
        _hold_for_review(rma=rma, failures=failures, actor=actor)
    # Raised after the commit, so the refused attempt stays on the audit trail.
    raise PolicyViolation(failures)


@transaction.atomic
def reject_return(*, rma: ReturnRequest, actor: Actor, reason: str) -> ReturnRequest:
    """Refuse a request; the reason is shown to the customer."""
    actor = require(actor, "rma.reject_return", action="reject returns", on=rma)
    reason = (reason or "").strip()
    if not reason:
        raise InvalidInput("Give the reason for the rejection; the customer will see it.")
    return apply_transition(rma=locked(rma), transition="reject", actor=actor, note=reason, reason=reason)


@transaction.atomic
def cancel_return(*, rma: ReturnRequest, actor: Actor, reason: str) -> ReturnRequest:
    """Withdraw a request or an authorized return: customer service, the client's systems or the customer."""
    actor = require(actor, "rma.cancel_return", action="cancel returns", on=rma)
    reason = (reason or "").strip()
    if not reason:
        raise InvalidInput("Give the reason for the cancellation.")
    return apply_transition(rma=locked(rma), transition="cancel", actor=actor, note=reason, reason=reason)


@transaction.atomic
def expire_authorizations(*, now: dt.datetime | None = None, actor: Actor = EXPIRY) -> int:
    """Authorized returns past their RAN validity become `expired`; returns how many did."""
    actor = require(actor, "rma.expire_return", action="expire authorizations")
    now = now or timezone.now()
    # skip_locked: a return being scanned in right now is not expired under the dock's feet.
    due = selectors.expirable_returns(now=now).select_for_update(skip_locked=True).select_related("policy")
    expired = 0
    for rma in due:
        apply_transition(rma=rma, transition="expire", actor=actor, note="RAN validity ended.")
        expired += 1
    return expired

