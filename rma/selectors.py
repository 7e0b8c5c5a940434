"""Reads of the rma stage that services and screens share."""

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

from django.contrib.auth.models import AbstractBaseUser
from django.core import signing
from django.db.models import (
    Count,
    DurationField,
    Exists,
    ExpressionWrapper,
    F,
    Max,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Sum,
    Value,
)
from django.db.models.functions import Coalesce, Replace, Upper
from django.urls import reverse
from django.utils import timezone

from core.errors import FailedRule
from core.percentiles import Spread, spreads
from rma import policy as policy_rules
from rma import ran as ran_codes
from rma.lists import WHOLE_LIST, ListQuery, ListSpec, Viewer, list_rows
from rma.models import (
    TRACKING_KEY,
    CarrierEvent,
    Client,
    Order,
    OrderLine,
    ParcelStatus,
    ReceivingScan,
    ReturnEvent,
    ReturnEventType,
    ReturnItem,
    ReturnPolicy,
    ReturnRequest,
    ReturnState,
    ScanResult,
    UnexpectedParcel,
    Warehouse,
    WarehouseAssignment,
    WarehouseRoute,
)
from rma.states import ALL, AWAITING_PARCEL, CLAIMING, ENDED, LIVE, WAITING_FOR


def current_policy(*, client: Client) -> ReturnPolicy | None:
    """The version in force now: the newest one."""
    return client.policies.order_by("-version").first()


def return_for_update(*, pk: int) -> ReturnRequest:
    """Lock the return row for the rest of the transaction; every state change starts here."""
    return (
        ReturnRequest.objects.select_for_update(of=("self",))
        .select_related("client", "policy", "order", "customer", "warehouse")
        .get(pk=pk)
    )


def warehouse_route(*, client: Client, country: str) -> WarehouseRoute | None:
    """The client's route for parcels shipped from `country` (any case), if it has one."""
    country = (country or "").strip().upper()
    if not country:
        return None
    return WarehouseRoute.objects.select_related("warehouse").filter(client=client, country=country).first()


def assigned_warehouse(*, user: AbstractBaseUser | None) -> Warehouse | None:
    """The site a staff member works at; None for someone assigned to none, who works for the whole facility."""
    if user is None or user.pk is None:
        return None
    assignment = WarehouseAssignment.objects.select_related("warehouse").filter(user_id=user.pk).first()
    return assignment.warehouse if assignment else None


# What people type inside an order number and the client's system does not: "ab 1001", "AB/1001" mean AB-1001.
ORDER_NUMBER_SEPARATORS = (" ", "-", "/")


def _without_separators(text: str) -> str:
    for separator in ORDER_NUMBER_SEPARATORS:
        text = text.replace(separator, "")
    return text.upper()


def same_order_number(typed: str, number: str) -> bool:
    """Whether two order numbers name one order, as orders_matching reads them: any case, any separators."""
    return typed.upper() == number.upper() or (
        bool(_without_separators(typed)) and _without_separators(typed) == _without_separators(number)
    )


def orders_matching(*, client: Client, reference: str) -> list[Order]:
    """The client's orders a person means by `reference`: the order with that number ignoring case and
    separators (spaces, dashes, slashes), or every order of the customer with that email, newest first.

    An order whose number is exactly the reference (any case) is the only match; several orders whose
    numbers differ only in separators are all returned, for the person to choose.
    """
    reference = " ".join((reference or "").split())
    orders = Order.objects.select_related("client", "customer").filter(client=client)
    if "@" in reference:
        return list(orders.filter(customer__email=reference.lower()).order_by("-ordered_at", "-pk"))
    exact = list(orders.filter(number__iexact=reference))
    if exact or not _without_separators(reference):
        return exact
    number_key = F("number")
    for separator in ORDER_NUMBER_SEPARATORS:
        number_key = Replace(number_key, Value(separator), Value(""))
    return list(
        orders.annotate(number_key=Upper(number_key)).filter(number_key=_without_separators(reference))
        .order_by("number")
    )


def return_by_ran(*, code: str) -> ReturnRequest | None:
    ran = ran_codes.parse_ran(code)
    if ran is None:
        return None
    return ReturnRequest.objects.select_related("client", "order", "customer").filter(ran=ran).first()


def returns_for_reference(*, reference: str) -> list[ReturnRequest]:
    """The return a RAN names; else the returns of the orders with this number (any client) and the returns
    whose parcel has this tracking number (only the live ones when some are live, as for carrier events),
    newest first."""
    returns = ReturnRequest.objects.select_related("client", "order").order_by("-requested_at")
    ran = ran_codes.parse_ran(reference)
    if ran:
        return list(returns.filter(ran=ran))
    number = (reference or "").strip()
    if not number:
        return []
    tracked = list(returns_tracked_as(code=number).values_list("pk", "state"))
    tracked_live = [pk for pk, state in tracked if state in LIVE]
    tracked_pks = tracked_live or [pk for pk, _ in tracked]
    return list(returns.filter(Q(order__number__iexact=number) | Q(pk__in=tracked_pks)))


def tracking_key(code: str) -> str:
    """A scanned or typed tracking number as it is compared: without whitespace, upper case."""
    return "".join((code or "").split()).upper()


def returns_tracked_as(*, code: str, states: frozenset[str] = ALL) -> QuerySet[ReturnRequest]:
    """Returns in `states` whose parcel's tracking number is `code` however it was typed or scanned (spaces,
    case), oldest first. Reads the functional index return_tracking_key_idx."""
    key = tracking_key(code)
    if not key:
        return ReturnRequest.objects.none()
    return (
        ReturnRequest.objects.annotate(tracking_key=TRACKING_KEY)
        .filter(tracking_key=key, state__in=sorted(states))
        .order_by("pk")
    )


def receipt_of(*, rma: ReturnRequest) -> ReturnEvent | None:
    """The event that received the return (at the dock, as an expired RAN, or from an unexpected parcel)."""
    return (
        rma.events.filter(to_state=ReturnState.RECEIVED).exclude(from_state=ReturnState.RECEIVED)
        .select_related("actor").order_by("at", "id").first()
    )


def scans_by(*, actor: AbstractBaseUser, since: dt.datetime, limit: int) -> QuerySet[ReceivingScan]:
    """One person's dock scans since a moment, newest first, with what the dock screen shows of each."""
    return (
        ReceivingScan.objects.filter(actor=actor, scanned_at__gte=since)
        .select_related("return_request__client", "return_request__warehouse")
        .order_by("-scanned_at", "-id")[:limit]
    )


def units_of(*, rma: ReturnRequest) -> QuerySet[ReturnItem]:
    return rma.items.select_related("order_line").order_by("unit_number")


def units_claimed_before(*, rma: ReturnRequest) -> dict[int, int]:
    """Units of each of this return's order lines that earlier live returns already claim."""
    line_ids = rma.items.values_list("order_line_id", flat=True)
    rows = (
        ReturnItem.objects.filter(
            order_line_id__in=line_ids,
            return_request__state__in=CLAIMING,
            return_request_id__lt=rma.pk,
        )
        .values("order_line_id")
        .annotate(units=Count("id"))
    )
    return {row["order_line_id"]: row["units"] for row in rows}


def units_claimed(*, line_ids: list[int]) -> dict[int, int]:
    """Units of each order line that live returns claim (rejected, cancelled and expired ones claim none)."""
    rows = (
        ReturnItem.objects.filter(order_line_id__in=line_ids, return_request__state__in=CLAIMING)
        .values("order_line_id")
        .annotate(units=Count("id"))
    )
    return {row["order_line_id"]: row["units"] for row in rows}


def customer_recent_return_count(*, rma: ReturnRequest, period_days: int) -> int:
    """The customer's other live returns requested within the period before this one."""
    since = rma.requested_at - dt.timedelta(days=period_days)
    return (
        ReturnRequest.objects.filter(
            customer_id=rma.customer_id,
            state__in=CLAIMING,
            requested_at__gte=since,
            requested_at__lte=rma.requested_at,
        )
        .exclude(pk=rma.pk)
        .count()
    )


def customer_not_told() -> Q:
    """Returns closed without refund (a denied refund, or nothing owed: every unit missing) whose customer
    nobody has told yet: customer service's queue."""
    told = ReturnEvent.objects.filter(return_request=OuterRef("pk"), action=ReturnEventType.CUSTOMER_NOTIFIED)
    return Q(state=ReturnState.CLOSED) & ~Exists(told)


def customer_was_told(*, rma: ReturnRequest) -> bool:
    return rma.events.filter(action=ReturnEventType.CUSTOMER_NOTIFIED).exists()


def policy_failures(*, rma: ReturnRequest) -> list[FailedRule]:
    """Every rule of its policy the request breaks now; empty when it may be authorized."""
    context = policy_rules.PolicyContext(
        rma=rma,
        policy=rma.policy,
        order=rma.order,
        items=list(units_of(rma=rma)),
        claimed_before=units_claimed_before(rma=rma),
        customer_recent_returns=customer_recent_return_count(rma=rma, period_days=rma.policy.return_limit_period_days),
    )
    return policy_rules.failed_rules(context)


def order_standing(
    *, order: Order, policy: ReturnPolicy, at: dt.datetime | None = None,
) -> list[policy_rules.LineStanding]:
    """For each line of the order, how many units the customer may still return and, if none, why."""
    at = at or timezone.now()
    lines = list(order.lines.order_by("line_number"))
    claimed = units_claimed(line_ids=[line.pk for line in lines])
    return [
        policy_rules.line_standing(
            policy=policy, order=order, line=line, claimed=claimed.get(line.pk, 0), zone=order.client.zone, at=at,
        )
        for line in lines
    ]


@dataclass(frozen=True)
class PolicyReview:
    """Where a request awaiting authorization stands against its policy."""

    failures: list[FailedRule]  # every rule it breaks now
    # The last attempt to authorize it failed for exactly these rules, and nothing they read has changed since
    # (no receipt attached, no order corrected, no other return of the customer released): trying again
    # would fail the same way, so Authorize is not offered; a manager's override still is.
    unchanged_since_refusal: bool


def policy_review(*, rma: ReturnRequest) -> PolicyReview | None:
    """How the request fares against its policy; None when it is not awaiting authorization."""
    if rma.state != ReturnState.REQUESTED:
        return None
    failures = policy_failures(rma=rma)
    refusal = (
        rma.events.filter(action=ReturnEventType.AUTHORIZATION_REFUSED).order_by("-at", "-id")
        .values_list("details", flat=True).first()
    )
    recorded = (refusal or {}).get("failed_rules")
    return PolicyReview(
        failures=failures,
        unchanged_since_refusal=bool(failures) and recorded == [failure.as_dict() for failure in failures],
    )


def expirable_returns(*, now: dt.datetime) -> QuerySet[ReturnRequest]:
    return ReturnRequest.objects.filter(state=ReturnState.AUTHORIZED, authorization_expires_at__lt=now)


def returns_expiring(*, now: dt.datetime, until: dt.datetime) -> QuerySet[ReturnRequest]:
    """Authorized returns whose RAN is still valid at `now` and ends by `until`, soonest first."""
    return (
        ReturnRequest.objects.filter(
            state=ReturnState.AUTHORIZED, authorization_expires_at__gte=now, authorization_expires_at__lte=until,
        )
        .select_related("client", "customer", "order", "warehouse", "policy")
        .order_by("authorization_expires_at", "pk")
    )


def returns_with_tracking(*, tracking_number: str) -> QuerySet[ReturnRequest]:
    """Returns whose parcel has this tracking number, whatever the case of its letters."""
    return ReturnRequest.objects.select_related("client").filter(tracking_number__iexact=tracking_number)


def returns_with_tracking_numbers(*, tracking_numbers: Sequence[str]) -> QuerySet[ReturnRequest]:
    """Returns whose parcel has one of these (upper-case) tracking numbers, each annotated `tracking_upper`."""
    return (
        ReturnRequest.objects.select_related("client").annotate(tracking_upper=Upper("tracking_number"))
        .filter(tracking_upper__in=tracking_numbers)
    )


def recorded_carrier_events(*, tracking_numbers: Sequence[str]) -> QuerySet[CarrierEvent]:
    """Earlier records of carrier events of these (upper-case) tracking numbers, each annotated `tracking_upper`."""
    return (
        CarrierEvent.objects.annotate(tracking_upper=Upper("tracking_number"))
        .filter(tracking_upper__in=tracking_numbers).order_by("pk")
    )


def recorded_carrier_event(*, tracking_number: str, event: str, occurred_at: dt.datetime) -> CarrierEvent | None:
    """The earlier record of this carrier event (tracking number in any case, normalized event, time), if any."""
    return (
        CarrierEvent.objects.filter(tracking_number__iexact=tracking_number, event=event, occurred_at=occurred_at)
        .order_by("pk")
        .first()
    )


# -- the dock's figures, per site -----------------------------------------------------------------


@dataclass(frozen=True)
class DockFigures:
    """What the dock of one site (or of the whole facility) has in hand and ahead."""

    expected: int  # parcels on their way: returns authorized or in transit
    received: int  # parcels received since the start of the day
    to_forward: int  # of those, parcels routed to another site
    unexpected_open: int  # parcels nobody announced, waiting for customer service


def _counts_per_site(rows: QuerySet, **aggregates) -> dict[int | None, dict]:
    """How many of `rows` each warehouse has (None: no site), with any further aggregates."""
    grouped = rows.order_by().values("warehouse").annotate(n=Count("id"), **aggregates)
    return {row["warehouse"]: row for row in grouped}


def _at(counts: dict[int | None, dict], site: Warehouse | None, column: str = "n") -> int:
    """The count at `site`, or over the whole facility (every site, and no site) when `site` is None."""
    rows = counts.values() if site is None else [counts.get(site.pk, {})]
    return sum(row.get(column, 0) for row in rows)


def dock_figures(*, since: dt.datetime, site: Warehouse | None) -> tuple[DockFigures | None, DockFigures]:
    """The figures of `site` (None without one), then of the whole facility: three queries, however many sites."""
    expected = _counts_per_site(ReturnRequest.objects.filter(state__in=AWAITING_PARCEL))
    received = _counts_per_site(
        ReceivingScan.objects.filter(result=ScanResult.RECEIVED, scanned_at__gte=since),
        to_forward=Count("id", filter=Q(wrong_site=True)),
    )
    unexpected = _counts_per_site(UnexpectedParcel.objects.filter(status=ParcelStatus.OPEN))

    def figures_at(where: Warehouse | None) -> DockFigures:
        return DockFigures(
            expected=_at(expected, where), received=_at(received, where),
            to_forward=_at(received, where, "to_forward"), unexpected_open=_at(unexpected, where),
        )

    return (figures_at(site) if site else None), figures_at(None)


# -- reports: what the returns and orders of a period add up to ----------------------------------


def returns_requested(*, start: dt.datetime, end: dt.datetime, client: Client | None = None) -> QuerySet[ReturnRequest]:
    """Every return requested from `start` up to (not including) `end`, of one client or of all."""
    returns = ReturnRequest.objects.filter(requested_at__gte=start, requested_at__lt=end)
    return returns.filter(client=client) if client else returns


def orders_placed(*, start: dt.datetime, end: dt.datetime, client: Client | None = None) -> QuerySet[Order]:
    orders = Order.objects.filter(ordered_at__gte=start, ordered_at__lt=end)
    return orders.filter(client=client) if client else orders


def returned_units(*, returns: QuerySet[ReturnRequest]) -> QuerySet[ReturnItem]:
    """The units of those returns that still claim them: rejected, cancelled and expired returns count none."""
    return ReturnItem.objects.filter(return_request__in=returns, return_request__state__in=CLAIMING)


def units_returned_per_client(*, returns: QuerySet[ReturnRequest]) -> dict[int, tuple[int, int]]:
    """Client id: (returns, units) of the returned units of `returns`."""
    rows = (
        returned_units(returns=returns).order_by()
        .values("return_request__client")
        .annotate(returns=Count("return_request", distinct=True), units=Count("id"))
    )
    return {row["return_request__client"]: (row["returns"], row["units"]) for row in rows}


def units_returned_per_sku(*, returns: QuerySet[ReturnRequest]) -> list[dict]:
    """Per client and SKU of the returned units of `returns`: client, sku, description, returns, units."""
    return list(
        returned_units(returns=returns).order_by()
        .values(client=F("return_request__client"), sku=F("order_line__sku"))
        .annotate(
            description=Max("order_line__description"),
            returns=Count("return_request", distinct=True),
            units=Count("id"),
        )
    )


def units_returned_per_reason(*, returns: QuerySet[ReturnRequest]) -> dict[str, int]:
    rows = returned_units(returns=returns).order_by().values("reason").annotate(units=Count("id"))
    return {row["reason"]: row["units"] for row in rows}


def units_returned_per_sku_and_reason(*, returns: QuerySet[ReturnRequest], skus: list[str]) -> dict[tuple, int]:
    """(client id, sku, reason): returned units, for the listed SKUs."""
    rows = (
        returned_units(returns=returns).filter(order_line__sku__in=skus).order_by()
        .values("return_request__client", "order_line__sku", "reason")
        .annotate(units=Count("id"))
    )
    return {
        (row["return_request__client"], row["order_line__sku"], row["reason"]): row["units"] for row in rows
    }


def units_sold_per_client(*, orders: QuerySet[Order]) -> dict[int, int]:
    """Client id: units delivered on `orders` (the sum of their lines' quantities)."""
    rows = OrderLine.objects.filter(order__in=orders).order_by().values("order__client").annotate(units=Sum("quantity"))
    return {row["order__client"]: row["units"] for row in rows}


def units_sold_per_sku(*, orders: QuerySet[Order], skus: list[str]) -> dict[tuple[int, str], int]:
    """(client id, sku): units delivered on `orders`, for the listed SKUs."""
    rows = (
        OrderLine.objects.filter(order__in=orders, sku__in=skus).order_by()
        .values("order__client", "sku").annotate(units=Sum("quantity"))
    )
    return {(row["order__client"], row["sku"]): row["units"] for row in rows}


def time_between(entered: str, left: tuple[str, ...]) -> ExpressionWrapper:
    """From the stamp `entered` to the first of the stamps `left` that is set; NULL while either is missing."""
    end = Coalesce(*left) if len(left) > 1 else F(left[0])
    return ExpressionWrapper(end - F(entered), output_field=DurationField())


def time_spreads(
    *, returns: QuerySet[ReturnRequest], spans: dict[str, tuple[str, tuple[str, ...]]], fractions: tuple[float, ...]
) -> dict[str, Spread]:
    """Per named span (stamp entered, stamps left): how many of `returns` went through it, and the percentiles
    of the time they took. Computed in the database on PostgreSQL, whatever the number of returns."""
    measures = {name: time_between(entered, left) for name, (entered, left) in spans.items()}
    return spreads(returns, measures=measures, fractions=fractions)


def returns_for_labels(*, pks: Sequence[int]) -> list[ReturnRequest]:
    """The returns to print, in the order of `pks`, with everything a label shows: two queries, however many."""
    units = Prefetch("items", queryset=ReturnItem.objects.select_related("order_line").order_by("unit_number"))
    found = (
        ReturnRequest.objects.select_related("client", "warehouse", "customer", "order", "policy")
        .prefetch_related(units)
        .in_bulk(pks)
    )
    return [found[pk] for pk in dict.fromkeys(pks) if pk in found]


@dataclass(frozen=True)
class RanValidity:
    expired: bool
    at: dt.datetime  # until when the RAN is valid, or since when it is not


def ran_validity(*, rma: ReturnRequest, now: dt.datetime | None = None) -> RanValidity:
    """Until when a return's RAN is valid, or since when it no longer is.

    A return that expired is expired since then, even if that was before the date its RAN was to last
    to (expire_authorizations may be run for a later moment): it never reads as valid until a date to come.
    """
    now = now or timezone.now()
    until = rma.authorization_expires_at
    if rma.state == ReturnState.EXPIRED:
        return RanValidity(expired=True, at=min(until, rma.expired_at or until))
    return RanValidity(expired=until < now, at=until)


@dataclass(frozen=True)
class LabelBatch:
    """The returns asked to be printed, as returns_for_labels loads them, sorted by whether a label prints."""

    printable: list[ReturnRequest]
    without_ran: list[ReturnRequest]
    # Closed, refunded, cancelled or expired: a label would send a parcel no one waits for.
    ended: list[ReturnRequest]


def label_batch(*, pks: Sequence[int]) -> LabelBatch:
    """The labels to print for `pks`, in their order, and the returns left out."""
    returns = returns_for_labels(pks=pks)
    return LabelBatch(
        printable=[rma for rma in returns if rma.ran and rma.state not in ENDED],
        without_ran=[rma for rma in returns if not rma.ran],
        ended=[rma for rma in returns if rma.ran and rma.state in ENDED],
    )


# -- the customer's label link -------------------------------------------------------------------
# A signed token, not a login: customer service mails the link. Its own salt, so no other signed
# value of the site can pass for it.

LABEL_LINK_SALT = "rma.customer-label-link"


def label_link_valid_until(*, rma: ReturnRequest) -> dt.datetime:
    """Until the RAN expires, and never longer than the policy's RAN validity from now."""
    cap = timezone.now() + dt.timedelta(days=rma.policy.ran_validity_days)
    return min(rma.authorization_expires_at, cap)


def label_url_for(rma: ReturnRequest) -> str:
    """The path of the customer's label PDF: unguessable, and refused once the RAN is no longer valid."""
    payload = {"rma": rma.pk, "ran": rma.ran, "until": label_link_valid_until(rma=rma).timestamp()}
    return reverse("customer_label", args=[signing.dumps(payload, salt=LABEL_LINK_SALT)])


def _is_label_payload(payload) -> bool:
    """The shape label_url_for signs: a return's id, its RAN and a timestamp."""
    return (
        isinstance(payload, dict)
        and type(payload.get("rma")) is int and 0 < payload["rma"] < 2**63
        and type(payload.get("ran")) is str
        and type(payload.get("until")) in (int, float)
    )


def return_for_label_token(*, token: str) -> ReturnRequest:
    """The return a customer's label link names, loaded for printing.

    Raises signing.BadSignature for a forged or altered token, and its subclass SignatureExpired
    once the link has run out or the return no longer awaits its parcel.
    """
    payload = signing.loads(token, salt=LABEL_LINK_SALT)
    # Signed by us, but not necessarily by label_url_for: a token of any other shape names nothing.
    if not _is_label_payload(payload):
        raise signing.BadSignature("The label link names no return.")
    if timezone.now().timestamp() > payload["until"]:
        raise signing.SignatureExpired("The label link has expired.")
    found = returns_for_labels(pks=[payload["rma"]])
    if not found or found[0].ran != payload["ran"]:
        raise signing.BadSignature("The label link names no return.")
    if found[0].state not in AWAITING_PARCEL:
        raise signing.SignatureExpired("The return no longer awaits its parcel.")
    if found[0].customer.erased_at is not None:
        raise signing.SignatureExpired("The customer's personal data was erased: the label is no longer offered.")
    return found[0]


# -- time in stage -------------------------------------------------------------------------------


def overdue_filter(*, clients: list[Client], now: dt.datetime) -> Q:
    """Returns that have spent longer in their current stage than their client's target."""
    condition = Q(pk__in=[])
    for client in clients:
        for state in WAITING_FOR:
            hours = client.target_hours(state)
            condition |= Q(client=client, state=state, state_entered_at__lt=now - dt.timedelta(hours=hours))
    return condition


def overdue_per_stage(
    *, returns: QuerySet[ReturnRequest], clients: list[Client], now: dt.datetime
) -> dict[str, tuple[int, int]]:
    """Of `returns`, per waiting stage: how many wait in it, and how many of those are over their client's target."""
    rows = (
        returns.filter(state__in=list(WAITING_FOR)).order_by()
        .values("state")
        .annotate(waiting=Count("id"), overdue=Count("id", filter=overdue_filter(clients=clients, now=now)))
    )
    return {row["state"]: (row["waiting"], row["overdue"]) for row in rows}


# -- lists -------------------------------------------------------------------------------------------

UNITS_LIST = ListSpec(
    rows=lambda: ReturnItem.objects.select_related("return_request__client", "order_line"),
    client_path="return_request__client",
    customer_path="return_request__customer",
    filter_fields=frozenset({"return_request__client", "reason", "return_request__state"}),
    search_fields=("order_line__sku", "serial_number"),
    ran_path="return_request__ran",
    ordering=("return_request", "unit_number"),
)

SCANS_LIST = ListSpec(
    rows=lambda: ReceivingScan.objects.select_related("return_request", "actor", "warehouse"),
    client_path="return_request__client",
    filter_fields=frozenset({"result", "warehouse", "wrong_site"}),
    search_fields=("code", "normalized_code"),
    ordering=("-scanned_at", "-id"),
)

EVENTS_LIST = ListSpec(
    rows=lambda: ReturnEvent.objects.select_related("return_request", "actor"),
    client_path="return_request__client",
    filter_fields=frozenset({"action", "channel"}),
    search_fields=(),
    ran_path="return_request__ran",
    ordering=("at", "id"),
)

CARRIER_EVENTS_LIST = ListSpec(
    rows=lambda: CarrierEvent.objects.select_related("return_request", "imported_by"),
    client_path="return_request__client",
    filter_fields=frozenset({"outcome", "carrier", "occurred_at", "imported_at"}),
    search_fields=("tracking_number",),
    ran_path="return_request__ran",
    ordering=("-occurred_at", "-id"),
)


def units_list(*, viewer: Viewer, query: ListQuery = WHOLE_LIST) -> QuerySet[ReturnItem]:
    """Returned units, one row per physical unit, as `viewer` may see them."""
    return list_rows(UNITS_LIST, viewer=viewer, query=query)


def scans_list(*, viewer: Viewer, query: ListQuery = WHOLE_LIST) -> QuerySet[ReceivingScan]:
    """Every dock scan, newest first; client accounts see the scans of their own returns."""
    return list_rows(SCANS_LIST, viewer=viewer, query=query)
