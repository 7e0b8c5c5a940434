"""Every way a return changes in the rma stage, in lifecycle order.

Each service checks the actor's permission, locks the return row, checks the state, transitions,
saves and writes a ReturnEvent in one transaction, and returns the row fresh from the database.
"""

import datetime as dt
import operator
from collections import Counter
from collections.abc import Mapping, Sequence
from functools import reduce
from typing import Any

from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.core.files import File
from django.db import transaction
from django.db.models import Model, Q
from django.utils import timezone
from django_fsm import can_proceed

from core.errors import (
    DomainError,
    InvalidInput,
    NotConfigured,
    PermissionRefused,
    PolicyViolation,
    TransitionRefused,
)
from core.permissions import require_permission
from core.photos import validate_photo
from rma import order_import, selectors
from rma import policy as policy_rules
from rma import ran as ran_codes
from rma import tracking as carrier_tracking
from rma.models import (
    END_STATES,
    TRACKABLE_STATES,
    CarrierEvent,
    CarrierEventOutcome,
    Client,
    Customer,
    EventChannel,
    ExtraUnit,
    ExtraUnitStatus,
    Order,
    OrderLine,
    ParcelStatus,
    Reason,
    ReceivingScan,
    RefundMethod,
    RequestChannel,
    ReturnEvent,
    ReturnItem,
    ReturnPolicy,
    ReturnRequest,
    ReturnState,
    ScanResult,
    UnexpectedParcel,
)

User = AbstractBaseUser

# What each transition is called in a sentence: "it cannot be <verb> now".
TRANSITION_VERBS = {
    "authorize": "authorized",
    "reject": "rejected",
    "cancel": "cancelled",
    "expire": "expired",
    "ship": "marked in transit",
    "receive": "received",
    "receive_expired": "received as an expired RAN",
    "inspect": "marked inspected",
    "disposition": "marked dispositioned",
    "refund": "marked refunded",
    "close_without_refund": "closed without refund",
}


# -- shared helpers ------------------------------------------------------------------------------


def channel_of(actor: User | None) -> str:
    """The channel an action came through when the caller does not say."""
    if actor is None:
        return EventChannel.SYSTEM
    return EventChannel.API if selectors.client_of_account(actor) else EventChannel.ADMIN


def record_event(
    *,
    rma: ReturnRequest,
    action: str,
    actor: User | None,
    from_state: str = "",
    to_state: str = "",
    channel: str | None = None,
    customer_email: str = "",
    note: str = "",
    details: dict | None = None,
    at: dt.datetime | None = None,
) -> ReturnEvent:
    """The one way every stage writes to a return's audit trail."""
    return ReturnEvent.objects.create(
        return_request=rma,
        action=action,
        from_state=from_state,
        to_state=to_state,
        actor=actor,
        channel=channel or channel_of(actor),
        customer_email=customer_email,
        at=at or timezone.now(),
        note=note,
        details=details or {},
    )


def require_client_access(*, actor: User, client: Client | Any) -> None:
    """A client account acts only on its own client's orders and returns."""
    own_client = selectors.client_of_account(actor)
    if own_client is not None and own_client.pk != getattr(client, "pk", client):
        raise PermissionRefused("This return belongs to another client.")


def _require(actor: User | None, permission: str, *, action: str, client: Client | None = None) -> None:
    require_permission(actor, permission, action=action)
    if client is not None:
        require_client_access(actor=actor, client=client)


def ensure_transition_allowed(*, rma: ReturnRequest, transition: str) -> None:
    if not can_proceed(getattr(rma, transition)):
        raise TransitionRefused(
            f"Return {rma} is {rma.get_state_display().lower()}; it cannot be {TRANSITION_VERBS[transition]} now."
        )


def apply_transition(
    *,
    rma: ReturnRequest,
    transition: str,
    actor: User | None,
    channel: str | None = None,
    customer_email: str = "",
    note: str = "",
    details: dict | None = None,
    **arguments: Any,
) -> ReturnRequest:
    """Run one transition on a locked return, save it and write its event.

    Callers lock the row first (selectors.return_for_update) and check permission; later stages
    use this through mark_inspected and friends rather than calling the model themselves.
    """
    ensure_transition_allowed(rma=rma, transition=transition)
    from_state = rma.state
    now = timezone.now()
    getattr(rma, transition)(at=now, **arguments)
    rma.save()
    record_event(
        rma=rma, action=transition, actor=actor, from_state=from_state, to_state=rma.state,
        channel=channel, customer_email=customer_email, note=note, details=details, at=now,
    )
    return rma


def _locked(rma: ReturnRequest) -> ReturnRequest:
    return selectors.return_for_update(pk=rma.pk)


def _clean_text(value: str | None, *, model: type[Model], field: str, required: bool = True) -> str:
    """The input for `model.field` trimmed, or InvalidInput naming the field when it is blank or too long."""
    column = model._meta.get_field(field)
    text = (value or "").strip()
    if required and not text:
        raise InvalidInput(f"Give the {column.verbose_name}.")
    if len(text) > column.max_length:
        raise InvalidInput(f"The {column.verbose_name} is longer than {column.max_length} characters.")
    return text


# -- policies ------------------------------------------------------------------------------------


@transaction.atomic
def publish_policy_version(*, client: Client, actor: User | None, **terms: Any) -> ReturnPolicy:
    """Make `terms` the client's policy from now on, as a new version; returns keep the version they have."""
    require_permission(actor, "rma.add_returnpolicy", action="publish return policies")
    # Lock the client: two managers publishing at once must not draw the same version number.
    client = Client.objects.select_for_update().get(pk=client.pk)
    latest = selectors.current_policy(client=client)
    policy = ReturnPolicy(client=client, version=(latest.version + 1) if latest else 1, created_by=actor, **terms)
    try:
        policy.full_clean(exclude=["client", "version"])
    except ValidationError as error:
        problems = [f"{field.replace('_', ' ')}: {' '.join(texts)}" for field, texts in error.message_dict.items()]
        raise InvalidInput("; ".join(problems)) from None
    policy.save()
    return policy


# -- orders --------------------------------------------------------------------------------------

# A return claims the lines of its units until it is rejected or cancelled: a manager may still
# receive an expired RAN, and a refunded or closed return keeps its order as its proof of purchase.
_RETURN_ENDS_WITHOUT_CLAIM = [ReturnState.REJECTED, ReturnState.CANCELLED]


@transaction.atomic
def import_orders(
    *, columns: Sequence[Any], rows: Sequence[Mapping[Any, Any]], actor: User | None, dry_run: bool = False
) -> order_import.OrderImportReport:
    """Create and correct client orders from an order file (see rma.order_import), all or nothing.

    Every row is checked before anything is written; with any problem nothing is, and the report
    names each problem by row and column. A dry run reports what would change and writes nothing.
    An order imported before is compared cell by cell: unchanged, it is left alone, so importing a
    file again changes nothing; a changed line is corrected unless a return claims it, and the
    order's own columns change only while no return claims any of its lines. Lines missing from the
    file are kept: an import never deletes. A new customer takes the name, phone and address of its
    first order in the file; an existing customer is left as it is.
    """
    require_permission(actor, "reports.import_orders", action="import client orders")
    order_file = order_import.OrderFile(columns=columns, rows=rows)
    # Lock the clients: two imports for one client at once would both create the same order.
    clients = Client.objects.select_for_update().in_bulk(order_file.client_codes(), field_name="code")
    orders, problems = order_file.read(clients=clients)
    problems += _plan_order_changes(orders)
    report = order_import.OrderImportReport(orders=orders, problems=problems, dry_run=dry_run)
    if report.applied:
        for order in orders:
            if order.action != order_import.UNCHANGED:
                _save_imported_order(order)
    return report


def _plan_order_changes(orders: list[order_import.OrderInFile]) -> list[order_import.ImportProblem]:
    """Mark every order and line new, updated or unchanged; changing a return's proof of purchase is a problem."""
    if not orders:
        return []
    wanted = reduce(operator.or_, (Q(client=order.client, number=order.number) for order in orders))
    # Lock the orders: a return requested meanwhile (it locks its order too) waits for the import.
    found = Order.objects.select_for_update(of=("self",)).select_related("customer").filter(wanted)
    existing = {(order.client_id, order.number): order for order in found.prefetch_related("lines")}
    claims = {
        item.order_line_id: item.return_request
        for item in ReturnItem.objects.filter(order_line__order__in=existing.values())
        .exclude(return_request__state__in=_RETURN_ENDS_WITHOUT_CLAIM)
        .select_related("return_request")
    }
    claim_on_order = {rma.order_id: rma for rma in claims.values()}
    emails = reduce(operator.or_, (Q(client=order.client, email=order.email) for order in orders))
    customers = {(customer.client_id, customer.email): customer for customer in Customer.objects.filter(emails)}

    problems = []
    for order in orders:
        order.customer = customers.get((order.client.pk, order.email))
        order.new_customer = order.customer is None
        order.record = existing.get((order.client.pk, order.number))
        if order.record is None:
            continue
        order.changed = [column for column in ["customer_email", *order_import.ORDER_FIELDS]
                         if order.cells[column] != _stored_order_value(order.record, column)]
        rma = claim_on_order.get(order.record.pk)
        problems += [
            order_import.ImportProblem(
                order.row, column, f"order {order.number} is the proof of purchase of return {rma}; it cannot change"
            )
            for column in order.changed if rma
        ]
        problems += _plan_line_changes(order, claims)
        lines_unchanged = all(line.action == order_import.UNCHANGED for line in order.lines)
        order.action = order_import.UNCHANGED if not order.changed and lines_unchanged else order_import.UPDATE
    return problems


def _stored_order_value(order: Order, column: str) -> Any:
    return order.customer.email if column == "customer_email" else getattr(order, column)


def _plan_line_changes(
    order: order_import.OrderInFile, claims: dict[int, ReturnRequest]
) -> list[order_import.ImportProblem]:
    stored = {line.line_number: line for line in order.record.lines.all()}
    problems = []
    for line in order.lines:
        line.record = stored.get(line.line_number)
        if line.record is None:
            continue
        line.changed = [name for name in order_import.LINE_FIELDS if line.cells[name] != getattr(line.record, name)]
        line.action = order_import.UPDATE if line.changed else order_import.UNCHANGED
        rma = claims.get(line.record.pk)
        problems += [
            order_import.ImportProblem(
                line.row, column,
                f"line {line.line_number} of order {order.number} is claimed by return {rma}; it cannot change",
            )
            for column in line.changed if rma
        ]
    return problems


def _save_imported_order(order: order_import.OrderInFile) -> None:
    if order.customer is None:
        order.customer = _imported_customer(order)
    if order.record is None:
        order.record = Order.objects.create(
            client=order.client, number=order.number, customer=order.customer, **order.values()
        )
    elif order.changed:
        order.record.customer = order.customer
        for name, value in order.values().items():
            setattr(order.record, name, value)
        order.record.save(update_fields=["customer", *order_import.ORDER_FIELDS, "updated_at"])
    for line in order.lines:
        if line.record is None:
            line.record = OrderLine.objects.create(order=order.record, line_number=line.line_number, **line.values())
        elif line.changed:
            for name in line.changed:
                setattr(line.record, name, line.cells[name])
            line.record.save(update_fields=line.changed)


def _imported_customer(order: order_import.OrderInFile) -> Customer:
    """The customer of a new email: found if an earlier order of the file made it, else created."""
    details = {name: order.cells[name] for name in ["customer_name", "phone", *order_import.ADDRESS_FIELDS]}
    details["name"] = details.pop("customer_name")
    customer, _ = Customer.objects.get_or_create(client=order.client, email=order.email, defaults=details)
    return customer


# -- request -------------------------------------------------------------------------------------


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
        units.extend(
            {
                "order_line": line,
                "reason": reason,
                "comment": (entry.get("comment") or "").strip(),
                "serial_number": (entry.get("serial_number") or "").strip(),
            }
            for _ in range(quantity)
        )
    return units


def _check_request_actor(*, actor: User | None, channel: str, order: Order) -> None:
    if channel not in RequestChannel.values:
        raise InvalidInput(f"'{channel}' is not a request channel.")
    if actor is None:
        # Only a customer on the portal acts without an account; the portal has checked the email.
        if channel != RequestChannel.PORTAL:
            raise PermissionRefused("You must be signed in to create a return request.")
        return
    _require(actor, "rma.create_return", action="create return requests", client=order.client)


@transaction.atomic
def create_return_request(
    *,
    order: Order,
    items: list[dict],
    channel: str,
    actor: User | None,
    refund_method: str | None = None,
    notes: str = "",
    receipt_document=None,
) -> ReturnRequest:
    """Open a return of the listed units; authorize it at once when the policy auto-authorizes."""
    _check_request_actor(actor=actor, channel=channel, order=order)
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

    now = timezone.now()
    rma = ReturnRequest(
        client=order.client, order=order, customer=order.customer, policy=policy, channel=channel,
        refund_method=refund_method, notes=notes, created_by=actor, requested_at=now, state_entered_at=now,
    )
    if receipt_document:
        rma.receipt_document = receipt_document
    rma.save()
    ReturnItem.objects.bulk_create(
        ReturnItem(return_request=rma, unit_number=number, **unit) for number, unit in enumerate(units, start=1)
    )
    customer_email = order.customer.email if actor is None else ""
    record_event(
        rma=rma, action="request", actor=actor, to_state=rma.state, channel=channel,
        customer_email=customer_email, at=now, details={"units": len(units)},
    )
    if policy.auto_authorize:
        failures = _policy_failures(rma)
        if failures:
            _hold_for_review(rma=rma, failures=failures, actor=None)
        else:
            _authorize(rma=rma, actor=None)
    return _locked(rma)


# -- authorization -------------------------------------------------------------------------------


def _policy_failures(rma: ReturnRequest) -> list:
    items = list(selectors.units_of(rma=rma))
    context = policy_rules.PolicyContext(
        rma=rma,
        policy=rma.policy,
        order=rma.order,
        items=items,
        claimed_before=selectors.units_claimed_before(rma=rma),
        customer_recent_returns=selectors.customer_recent_return_count(
            rma=rma, period_days=rma.policy.return_limit_period_days
        ),
    )
    return policy_rules.failed_rules(context)


def _unused_ran() -> str:
    # 32^8 codes: a collision is rare, but a reused RAN would send a parcel to the wrong return.
    for _ in range(10):
        candidate = ran_codes.generate_ran()
        if not ReturnRequest.objects.filter(ran=candidate).exists():
            return candidate
    raise DomainError("Could not draw an unused RAN; try again.", code="ran_exhausted")


def _authorize(*, rma: ReturnRequest, actor: User | None, note: str = "", details: dict | None = None) -> None:
    expires_at = timezone.now() + dt.timedelta(days=rma.policy.ran_validity_days)
    apply_transition(
        rma=rma, transition="authorize", actor=actor, note=note, details=details,
        ran=_unused_ran(), expires_at=expires_at,
    )


def _hold_for_review(*, rma: ReturnRequest, failures: list, actor: User | None) -> None:
    record_event(
        rma=rma, action="authorization_refused", actor=actor,
        from_state=rma.state, to_state=rma.state,
        note="Held for customer service: " + "; ".join(f.message for f in failures),
        details={"failed_rules": [f.as_dict() for f in failures]},
    )


def authorize_return(*, rma: ReturnRequest, actor: User | None, override_reason: str = "") -> ReturnRequest:
    """Run the policy checks and issue the RAN.

    A failing request stays `requested` with every failed rule on its event, and PolicyViolation
    is raised; a manager may authorize it anyway by giving an `override_reason` (recorded).
    """
    _require(actor, "rma.authorize_return", action="authorize returns", client=rma.client)
    override_reason = override_reason.strip()
    if override_reason:
        require_permission(actor, "rma.override_policy", action="override the return policy")
    with transaction.atomic():
        rma = _locked(rma)
        ensure_transition_allowed(rma=rma, transition="authorize")
        failures = _policy_failures(rma)
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
def reject_return(*, rma: ReturnRequest, actor: User | None, reason: str) -> ReturnRequest:
    """Refuse a request; the reason is shown to the customer."""
    _require(actor, "rma.reject_return", action="reject returns", client=rma.client)
    reason = (reason or "").strip()
    if not reason:
        raise InvalidInput("Give the reason for the rejection; the customer will see it.")
    return apply_transition(rma=_locked(rma), transition="reject", actor=actor, note=reason, reason=reason)


@transaction.atomic
def cancel_return(
    *, rma: ReturnRequest, actor: User | None, reason: str, channel: str | None = None
) -> ReturnRequest:
    """Withdraw a request or an authorized return. Without an actor, the customer acted on the portal."""
    if actor is not None:
        _require(actor, "rma.cancel_return", action="cancel returns", client=rma.client)
    reason = (reason or "").strip()
    if not reason:
        raise InvalidInput("Give the reason for the cancellation.")
    rma = _locked(rma)
    on_portal = actor is None
    return apply_transition(
        rma=rma, transition="cancel", actor=actor, note=reason, reason=reason,
        channel=channel or (EventChannel.PORTAL if on_portal else None),
        customer_email=rma.customer.email if on_portal else "",
    )


@transaction.atomic
def mark_in_transit(
    *, rma: ReturnRequest, actor: User | None, carrier: str, tracking_number: str, channel: str | None = None,
    note: str = "",
) -> ReturnRequest:
    """Record the carrier's parcel; the return is on its way. Without an actor, the customer gave it."""
    if actor is not None:
        _require(actor, "rma.set_tracking", action="set carrier and tracking", client=rma.client)
    carrier = _clean_text(carrier, model=ReturnRequest, field="carrier")
    tracking_number = _clean_text(tracking_number, model=ReturnRequest, field="tracking_number")
    rma = _locked(rma)
    on_portal = actor is None
    return apply_transition(
        rma=rma, transition="ship", actor=actor, carrier=carrier, tracking_number=tracking_number,
        channel=channel or (EventChannel.PORTAL if on_portal else None),
        customer_email=rma.customer.email if on_portal else "", note=note,
        details={"carrier": carrier, "tracking_number": tracking_number},
    )


@transaction.atomic
def set_tracking(*, rma: ReturnRequest, actor: User | None, carrier: str, tracking_number: str) -> ReturnRequest:
    """Record or correct the parcel's carrier and tracking number without moving the return.

    A prepaid label's tracking number is known before the parcel moves: the carrier's first scan
    (record_carrier_event) or mark_in_transit moves the return on. Allowed while it is authorized or
    in transit; the event keeps the old and the new values.
    """
    _require(actor, "rma.set_tracking", action="set carrier and tracking", client=rma.client)
    carrier = _clean_text(carrier, model=ReturnRequest, field="carrier")
    tracking_number = _clean_text(tracking_number, model=ReturnRequest, field="tracking_number")
    rma = _locked(rma)
    if rma.state not in TRACKABLE_STATES:
        raise TransitionRefused(
            f"Return {rma} is {rma.get_state_display().lower()}; "
            "its carrier and tracking number can be set only while it is authorized or in transit."
        )
    old = {"carrier": rma.carrier, "tracking_number": rma.tracking_number}
    new = {"carrier": carrier, "tracking_number": tracking_number}
    if old == new:
        return rma
    note = f"{carrier} {tracking_number}"
    if any(old.values()):
        note += " (was {carrier} {tracking_number})".format(**old)
    rma.carrier, rma.tracking_number = carrier, tracking_number
    rma.save(update_fields=["carrier", "tracking_number", "updated_at"])
    record_event(
        rma=rma, action="set_tracking", actor=actor, from_state=rma.state, to_state=rma.state,
        note=note, details={"old": old, "new": new},
    )
    return rma


# Shipped or further along: a carrier's scan of the parcel has nothing left to move.
_SHIPPED = {
    ReturnState.IN_TRANSIT, ReturnState.RECEIVED, ReturnState.INSPECTED, ReturnState.DISPOSITIONED,
    ReturnState.REFUNDED, ReturnState.CLOSED,
}


def _returns_named_by(tracking_number: str) -> list[ReturnRequest]:
    """The returns a carrier's tracking number may belong to, locked.

    Live returns win over ended ones: carriers reuse numbers, so an ended return's old parcel does not
    compete with a live one, while a late scan of a finished return's parcel still finds it.
    """
    candidates = list(
        selectors.returns_with_tracking(tracking_number=tracking_number).select_for_update(of=("self",)).order_by("pk")
    )
    return [rma for rma in candidates if rma.state not in END_STATES] or candidates


def _apply_carrier_event(
    *, rma: ReturnRequest, event: str, carrier: str, summary: str, actor: User
) -> tuple[str, str]:
    """What one carrier event does to its locked return: the outcome, and what to tell the importer."""
    if not carrier_tracking.means_parcel_moving(event):
        return CarrierEventOutcome.RECORDED, f"Recorded on return {rma}; '{event}' does not move a return."
    if can_proceed(rma.ship):
        mark_in_transit(
            rma=rma, actor=actor, carrier=rma.carrier or carrier, tracking_number=rma.tracking_number, note=summary
        )
        return CarrierEventOutcome.APPLIED, f"Return {rma} is now in transit."
    state = rma.get_state_display().lower()
    if rma.state in _SHIPPED:
        return CarrierEventOutcome.RECORDED, f"Return {rma} is already {state}."
    return CarrierEventOutcome.REFUSED, (
        f"Return {rma} is {state}, yet its parcel is moving ('{event}'): expect it at the dock as an exception."
    )


@transaction.atomic
def record_carrier_event(
    *,
    tracking_number: str,
    event: str,
    occurred_at: dt.datetime,
    actor: User | None,
    carrier: str = "",
    description: str = "",
) -> CarrierEvent:
    """Record one event of a carrier's tracking feed and apply what it means to the return it names.

    The return is the one with this tracking number (trimmed, in any case); a number no return has, or
    that several have, is reported and never guessed. An event showing the parcel on its way
    (rma.tracking.PARCEL_MOVING) marks an authorized return in transit through mark_in_transit; on a
    return already shipped it is recorded, on a rejected, cancelled or expired one refused (and kept).
    Any other event is recorded. Every outcome is a CarrierEvent; one that names a single return is
    also on that return's trail (its ship event when applied, else a carrier_event event).

    Recording the same event (tracking number, event, time) again returns the first record and changes
    nothing, except that an event which matched no return is looked up again: after customer service
    corrects a tracking number, importing the carrier's file again applies it.
    """
    require_permission(actor, "rma.import_tracking", action="import carrier tracking")
    tracking_number = _clean_text(tracking_number, model=CarrierEvent, field="tracking_number")
    event = _clean_text(carrier_tracking.normalize_event(event), model=CarrierEvent, field="event")
    carrier = _clean_text(carrier, model=CarrierEvent, field="carrier", required=False)
    description = _clean_text(description, model=CarrierEvent, field="description", required=False)
    if not isinstance(occurred_at, dt.datetime) or timezone.is_naive(occurred_at):
        raise InvalidInput("Give the time of the carrier event with its time zone.")
    # Lock the returns before looking for an earlier record: two imports of one file record each event once.
    matches = _returns_named_by(tracking_number)
    recorded = selectors.recorded_carrier_event(tracking_number=tracking_number, event=event, occurred_at=occurred_at)
    if recorded is not None and (recorded.is_settled or len(matches) != 1):
        return recorded
    carrier_event = recorded or CarrierEvent(
        tracking_number=tracking_number, event=event, occurred_at=occurred_at, carrier=carrier,
        description=description,
    )
    carrier_event.imported_by, carrier_event.imported_at = actor, timezone.now()
    if not matches:
        carrier_event.outcome = CarrierEventOutcome.UNKNOWN_TRACKING
        carrier_event.message = f"No return has tracking number {tracking_number}; nothing was changed."
        carrier_event.save()
        return carrier_event
    if len(matches) > 1:
        named = ", ".join(str(rma) for rma in matches[:3]) + (", …" if len(matches) > 3 else "")
        carrier_event.outcome = CarrierEventOutcome.REFUSED
        carrier_event.message = (
            f"Tracking number {tracking_number} is on {len(matches)} returns ({named}); applied to none."
        )
        carrier_event.save()
        return carrier_event
    rma = matches[0]
    at = occurred_at.astimezone(dt.UTC)
    summary = " ".join(part for part in (carrier or rma.carrier, event, f"{at:%Y-%m-%d %H:%M} UTC") if part)
    if description:
        summary += f": {description}"
    outcome, message = _apply_carrier_event(rma=rma, event=event, carrier=carrier, summary=summary, actor=actor)
    carrier_event.return_request, carrier_event.outcome, carrier_event.message = rma, outcome, message
    carrier_event.save()
    if outcome != CarrierEventOutcome.APPLIED:
        # An applied event is on the return's trail already, as its ship event.
        record_event(
            rma=rma, action="carrier_event", actor=actor, from_state=rma.state, to_state=rma.state,
            note=f"{summary}. {message}", details={"carrier_event": carrier_event.pk, "outcome": outcome},
        )
    return carrier_event


@transaction.atomic
def expire_authorizations(*, now: dt.datetime | None = None) -> int:
    """Authorized returns past their RAN validity become `expired`; returns how many did."""
    now = now or timezone.now()
    # skip_locked: a return being scanned in right now is not expired under the dock's feet.
    due = selectors.expirable_returns(now=now).select_for_update(skip_locked=True).select_related("policy")
    expired = 0
    for rma in due:
        apply_transition(rma=rma, transition="expire", actor=None, note="RAN validity ended.")
        expired += 1
    return expired


# -- receiving -----------------------------------------------------------------------------------


def _log_scan(
    *, code: str, normalized: str, actor: User, result: str, rma: ReturnRequest | None = None, note: str = ""
) -> ReceivingScan:
    return ReceivingScan.objects.create(
        code=code, normalized_code=normalized, result=result, return_request=rma,
        actor=actor, scanned_at=timezone.now(), note=note,
    )


def _flag_unexpected_parcel(*, code: str, normalized: str, actor: User) -> ReceivingScan:
    scan = _log_scan(code=code, normalized=normalized, actor=actor, result=ScanResult.UNKNOWN)
    UnexpectedParcel.objects.create(scan=scan, code=code)
    return scan


_LONGEST_CODE = ReceivingScan._meta.get_field("code").max_length

# Received or further along: scanning it again changes nothing.
_ALREADY_RECEIVED = {
    ReturnState.RECEIVED, ReturnState.INSPECTED, ReturnState.DISPOSITIONED, ReturnState.REFUNDED, ReturnState.CLOSED,
}


@transaction.atomic
def receive_scan(*, code: str, actor: User | None) -> ReceivingScan:
    """Record one dock scan and receive the return it names, if it may be received."""
    require_permission(actor, "rma.receive_return", action="scan parcels in")
    code = (code or "").strip()
    if not code:
        raise InvalidInput("The scan was empty; scan the RAN barcode again.")
    if len(code) > _LONGEST_CODE:
        raise InvalidInput(f"The scan is {len(code)} characters long, too long for a RAN or a parcel code.")
    symbols = ran_codes.normalize(code)
    if ran_codes.is_ran_shaped(symbols) and not ran_codes.has_valid_check(symbols):
        return _log_scan(code=code, normalized=symbols, actor=actor, result=ScanResult.MISTYPED)
    ran = ran_codes.parse_ran(code)
    found = ReturnRequest.objects.filter(ran=ran).values_list("pk", flat=True).first() if ran else None
    if found is None:
        return _flag_unexpected_parcel(code=code, normalized=symbols, actor=actor)
    # Lock before reading the state: two docks can scan the same parcel at once.
    rma = selectors.return_for_update(pk=found)
    if rma.state in _ALREADY_RECEIVED:
        return _log_scan(code=code, normalized=ran, actor=actor, result=ScanResult.DUPLICATE, rma=rma)
    if not can_proceed(rma.receive):
        return _log_scan(code=code, normalized=ran, actor=actor, result=ScanResult.WRONG_STATE, rma=rma)
    apply_transition(rma=rma, transition="receive", actor=actor, details={"code": code})
    return _log_scan(code=code, normalized=ran, actor=actor, result=ScanResult.RECEIVED, rma=rma)


@transaction.atomic
def receive_expired(*, rma: ReturnRequest, actor: User | None, reason: str) -> ReturnRequest:
    """A manager accepts a parcel whose RAN has expired; the reason is recorded."""
    require_permission(actor, "rma.receive_expired", action="receive a parcel with an expired RAN")
    reason = (reason or "").strip()
    if not reason:
        raise InvalidInput("Give the reason for accepting an expired RAN.")
    return apply_transition(rma=_locked(rma), transition="receive_expired", actor=actor, note=reason)


# -- unexpected parcels and extra units ----------------------------------------------------------
# The dock records what it cannot place; customer service decides. Lock order: return, then parcel
# or extra unit, as everywhere else.


def _validated(unit: ExtraUnit, *, fields: list[str]) -> None:
    """Field limits (lengths) as InvalidInput naming the field, before anything is saved."""
    try:
        unit.clean_fields(exclude=[f.name for f in unit._meta.fields if f.name not in fields])
    except ValidationError as error:
        problems = [f"{field.replace('_', ' ')}: {' '.join(texts)}" for field, texts in error.message_dict.items()]
        raise InvalidInput("; ".join(problems)) from None


def _already_resolved(thing: ExtraUnit | UnexpectedParcel) -> DomainError:
    by = f" by {thing.resolved_by}" if thing.resolved_by else ""
    return DomainError(
        f"{thing} is already resolved ({thing.get_status_display().lower()}{by}).", code="already_resolved"
    )


@transaction.atomic
def annotate_unexpected_parcel(
    *, parcel: UnexpectedParcel, actor: User | None, note: str = "", photo: File | None = None
) -> UnexpectedParcel:
    """The dock notes what it sees on a parcel nobody announced (sender, label, contents) and photographs it.

    A new note replaces the last one, a photo the last photo; what is not given stays.
    """
    require_permission(actor, "rma.receive_return", action="note unexpected parcels")
    note = (note or "").strip()
    if not note and not photo:
        raise InvalidInput("Write a note or add a photo of the parcel.")
    if photo:
        validate_photo(photo)
    parcel = UnexpectedParcel.objects.select_for_update().get(pk=parcel.pk)
    if parcel.status != ParcelStatus.OPEN:
        raise _already_resolved(parcel)
    changed = ["updated_at"]
    if note:
        parcel.dock_note = note
        changed.append("dock_note")
    if photo:
        parcel.photo = photo
        changed.append("photo")
    parcel.save(update_fields=changed)
    return UnexpectedParcel.objects.get(pk=parcel.pk)


# What to do instead when a parcel's return is neither on its way nor received already.
_PARCEL_REFUSED_IN = {
    ReturnState.REQUESTED: "authorize it first, then resolve the parcel",
    ReturnState.EXPIRED: "a manager may receive it despite the expired RAN, then resolve the parcel",
    ReturnState.CANCELLED: "refuse the parcel instead",
    ReturnState.REJECTED: "refuse the parcel instead",
}


def _take_in_parcel(*, rma: ReturnRequest, parcel: UnexpectedParcel, actor: User, resolution: str, note: str) -> None:
    """The parcel belongs to `rma`: receive a return still on its way, only note it on one received already."""
    if resolution == ParcelStatus.CONVERTED and rma.requested_at < parcel.created_at:
        raise InvalidInput(f"Return {rma} was requested before this parcel arrived: match it instead.")
    details = {"unexpected_parcel": parcel.pk, "code": parcel.code, "resolution": resolution}
    note = note or f"Unexpected parcel {parcel.code} {resolution}."
    if rma.state in _ALREADY_RECEIVED:
        record_event(rma=rma, action=f"unexpected_parcel_{resolution}", actor=actor, note=note, details=details)
    elif can_proceed(rma.receive):
        apply_transition(rma=rma, transition="receive", actor=actor, note=note, details=details)
    else:
        raise TransitionRefused(
            f"Return {rma} is {rma.get_state_display().lower()}; {_PARCEL_REFUSED_IN[rma.state]}."
        )


@transaction.atomic
def resolve_unexpected_parcel(
    *,
    parcel: UnexpectedParcel,
    actor: User | None,
    resolution: str,
    rma: ReturnRequest | None = None,
    note: str = "",
) -> UnexpectedParcel:
    """Customer service decides what an unexpected parcel is, once.

    `matched`: it belongs to an existing return; `converted`: a return was created for it. Either way
    a return still on its way (authorized, in transit) is received through its transition, and one
    received already is only linked, with an event. `refused`: it goes back to the sender, the note
    says why; a return named with it gets the event too.
    """
    require_permission(actor, "rma.resolve_unexpected_parcel", action="resolve unexpected parcels")
    note = (note or "").strip()
    if resolution not in {ParcelStatus.MATCHED, ParcelStatus.CONVERTED, ParcelStatus.REFUSED}:
        raise InvalidInput(f"'{resolution}' is not a way to resolve a parcel: matched, converted or refused.")
    if resolution == ParcelStatus.REFUSED and not note:
        raise InvalidInput("Say why the parcel is refused and where it goes back to.")
    if resolution != ParcelStatus.REFUSED and rma is None:
        raise InvalidInput("Name the return the parcel belongs to.")
    if rma is not None:
        rma = _locked(rma)
    parcel = UnexpectedParcel.objects.select_for_update().get(pk=parcel.pk)
    if parcel.status != ParcelStatus.OPEN:
        raise _already_resolved(parcel)
    if resolution != ParcelStatus.REFUSED:
        _take_in_parcel(rma=rma, parcel=parcel, actor=actor, resolution=resolution, note=note)
    elif rma is not None:
        record_event(rma=rma, action="unexpected_parcel_refused", actor=actor, note=note,
                     details={"unexpected_parcel": parcel.pk, "code": parcel.code})
    parcel.status, parcel.return_request = resolution, rma
    parcel.resolved_by, parcel.resolved_at, parcel.resolution_note = actor, timezone.now(), note
    parcel.save(update_fields=["status", "return_request", "resolved_by", "resolved_at", "resolution_note",
                               "updated_at"])
    return UnexpectedParcel.objects.get(pk=parcel.pk)


@transaction.atomic
def record_extra_unit(
    *,
    rma: ReturnRequest,
    actor: User | None,
    description: str,
    sku: str = "",
    serial_number: str = "",
    note: str = "",
    photo: File | None = None,
) -> ExtraUnit:
    """A unit found in a received parcel that its return does not list, kept aside for customer service.

    Whoever opens parcels records it: the dock, inspectors and managers (permission rma.add_extraunit).
    Only while the return is received: its parcel is open and its units are not all inspected yet.
    """
    require_permission(actor, "rma.add_extraunit", action="record extra units")
    unit = ExtraUnit(
        description=(description or "").strip(), sku=(sku or "").strip(),
        serial_number=(serial_number or "").strip(), note=(note or "").strip(),
    )
    if not unit.description:
        raise InvalidInput("Describe the unit: what it is, its colour or size.")
    _validated(unit, fields=["description", "sku", "serial_number", "note"])
    if photo:
        validate_photo(photo)
    rma = _locked(rma)
    if rma.state != ReturnState.RECEIVED:
        raise TransitionRefused(
            f"Return {rma} is {rma.get_state_display().lower()}; extra units are recorded while it is received."
        )
    unit.return_request, unit.found_by, unit.found_at = rma, actor, timezone.now()
    if photo:
        unit.photo = photo
    unit.save()
    record_event(
        rma=rma, action="extra_unit_found", actor=actor, note=unit.note, at=unit.found_at,
        details={"extra_unit": unit.pk, "description": unit.description, "sku": unit.sku,
                 "serial_number": unit.serial_number},
    )
    return ExtraUnit.objects.get(pk=unit.pk)


def _add_found_unit(*, rma: ReturnRequest, extra_unit: ExtraUnit, reason: str, note: str) -> ReturnItem:
    """The extra unit becomes a unit of the return, on an order line with its SKU that has a unit to spare."""
    if rma.state != ReturnState.RECEIVED:
        raise TransitionRefused(
            f"Return {rma} is {rma.get_state_display().lower()}; a unit is added only while the return is "
            "received, so it is inspected with the rest. Send it back or keep it."
        )
    if reason not in Reason.values:
        raise InvalidInput(f"'{reason}' is not a return reason.")
    if reason not in (rma.policy.accepted_reasons or []):
        raise InvalidInput(f"The return's policy does not accept the reason '{reason}'.")
    if not extra_unit.sku:
        raise InvalidInput("The unit has no SKU, so it matches no order line: send it back or keep it.")
    # Lock the order: a unit added here and a new request must not both claim the last unit of a line.
    order = Order.objects.select_for_update().get(pk=rma.order_id)
    lines = list(order.lines.filter(sku__iexact=extra_unit.sku).order_by("line_number"))
    if not lines:
        raise InvalidInput(f"Order {order.number} has no line with SKU {extra_unit.sku}: send it back or keep it.")
    claimed = selectors.units_claimed(line_ids=[line.pk for line in lines])
    line = next((line for line in lines if claimed.get(line.pk, 0) < line.quantity), None)
    if line is None:
        raise InvalidInput(f"Every unit of {extra_unit.sku} delivered on order {order.number} is already returned.")
    if policy_rules.is_final_sale(policy=rma.policy, line=line):
        raise InvalidInput(f"{line.sku} is final sale under the return's policy: send it back or keep it.")
    last = rma.items.order_by("-unit_number").values_list("unit_number", flat=True).first() or 0
    comment = " ".join(part for part in ("Found in the parcel, not on the request.", note) if part)
    return ReturnItem.objects.create(
        return_request=rma, order_line=line, unit_number=last + 1, reason=reason, comment=comment,
        serial_number=extra_unit.serial_number,
    )


@transaction.atomic
def resolve_extra_unit(
    *, extra_unit: ExtraUnit, actor: User | None, resolution: str, note: str = "", reason: str = Reason.OTHER
) -> ExtraUnit:
    """Customer service decides about an extra unit, once.

    `added`: it becomes a unit of its return with `reason`, inspected with the rest (the return must
    still be received, and its order must have a line with that SKU with a unit not yet returned);
    `sent_back` to the customer, or `kept` by the facility or the client: the note says why.
    """
    require_permission(actor, "rma.resolve_unexpected_parcel", action="resolve extra units")
    note = (note or "").strip()
    if resolution not in {ExtraUnitStatus.ADDED, ExtraUnitStatus.SENT_BACK, ExtraUnitStatus.KEPT}:
        raise InvalidInput(f"'{resolution}' is not a way to resolve an extra unit: added, sent_back or kept.")
    if resolution != ExtraUnitStatus.ADDED and not note:
        raise InvalidInput("Say why the unit is sent back or kept.")
    rma = _locked(extra_unit.return_request)
    extra_unit = ExtraUnit.objects.select_for_update().get(pk=extra_unit.pk)
    if extra_unit.status != ExtraUnitStatus.OPEN:
        raise _already_resolved(extra_unit)
    details = {"extra_unit": extra_unit.pk, "description": extra_unit.description, "sku": extra_unit.sku}
    if resolution == ExtraUnitStatus.ADDED:
        extra_unit.added_as = _add_found_unit(rma=rma, extra_unit=extra_unit, reason=reason, note=note)
        details["unit"] = extra_unit.added_as.unit_number
    now = timezone.now()
    extra_unit.status = resolution
    extra_unit.resolved_by, extra_unit.resolved_at, extra_unit.resolution_note = actor, now, note
    extra_unit.save(update_fields=["status", "added_as", "resolved_by", "resolved_at", "resolution_note"])
    record_event(rma=rma, action=f"extra_unit_{resolution}", actor=actor, note=note, details=details, at=now)
    return ExtraUnit.objects.get(pk=extra_unit.pk)


# -- moves driven by later stages ----------------------------------------------------------------
# inspection, disposition and refunds call these from inside their own services, which have
# already checked the actor's permission and the units; here only the state is checked.


def mark_inspected(*, rma: ReturnRequest, actor: User | None) -> ReturnRequest:
    return apply_transition(rma=_locked(rma), transition="inspect", actor=actor)


def mark_dispositioned(*, rma: ReturnRequest, actor: User | None) -> ReturnRequest:
    return apply_transition(rma=_locked(rma), transition="disposition", actor=actor)


def mark_refunded(*, rma: ReturnRequest, actor: User | None, details: dict | None = None) -> ReturnRequest:
    return apply_transition(rma=_locked(rma), transition="refund", actor=actor, details=details)


def close_without_refund(*, rma: ReturnRequest, actor: User | None, reason: str) -> ReturnRequest:
    return apply_transition(
        rma=_locked(rma), transition="close_without_refund", actor=actor, note=reason, reason=reason
    )


def lock_return(*, rma: ReturnRequest) -> ReturnRequest:
    """The return row locked for the caller's transaction, for later stages deciding on its state."""
    return _locked(rma)

