"""Reads of the rma stage that services and screens share."""

import datetime as dt
from collections.abc import Sequence

from django.contrib.auth.models import AbstractBaseUser
from django.core import signing
from django.db.models import Count, Prefetch, QuerySet
from django.urls import reverse
from django.utils import timezone

from rma import ran as ran_codes
from rma.models import (
    CLAIMING_STATES,
    Client,
    ReturnItem,
    ReturnPolicy,
    ReturnRequest,
    ReturnState,
)


def current_policy(*, client: Client) -> ReturnPolicy | None:
    """The version in force now: the newest one."""
    return client.policies.order_by("-version").first()


def return_for_update(*, pk: int) -> ReturnRequest:
    """Lock the return row for the rest of the transaction; every state change starts here."""
    return (
        ReturnRequest.objects.select_for_update(of=("self",))
        .select_related("client", "policy", "order", "customer")
        .get(pk=pk)
    )


def return_by_ran(*, code: str) -> ReturnRequest | None:
    ran = ran_codes.parse_ran(code)
    if ran is None:
        return None
    return ReturnRequest.objects.select_related("client", "order", "customer").filter(ran=ran).first()


def units_of(*, rma: ReturnRequest) -> QuerySet[ReturnItem]:
    return rma.items.select_related("order_line").order_by("unit_number")


def units_claimed_before(*, rma: ReturnRequest) -> dict[int, int]:
    """Units of each of this return's order lines that earlier live returns already claim."""
    line_ids = rma.items.values_list("order_line_id", flat=True)
    rows = (
        ReturnItem.objects.filter(
            order_line_id__in=line_ids,
            return_request__state__in=CLAIMING_STATES,
            return_request_id__lt=rma.pk,
        )
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
            state__in=CLAIMING_STATES,
            requested_at__gte=since,
            requested_at__lte=rma.requested_at,
        )
        .exclude(pk=rma.pk)
        .count()
    )


def client_of_account(user: AbstractBaseUser | None) -> Client | None:
    """The client a client API account belongs to; None for staff and for the system."""
    if user is None:
        return None
    account = getattr(user, "client_account", None)
    return account.client if account else None


def expirable_returns(*, now: dt.datetime) -> QuerySet[ReturnRequest]:
    return ReturnRequest.objects.filter(state="authorized", authorization_expires_at__lt=now)


def returns_for_labels(*, pks: Sequence[int]) -> list[ReturnRequest]:
    """The returns to print, in the order of `pks`, with everything a label shows: two queries, however many."""
    units = Prefetch("items", queryset=ReturnItem.objects.select_related("order_line").order_by("unit_number"))
    found = (
        ReturnRequest.objects.select_related("client__default_warehouse", "customer", "order", "policy")
        .prefetch_related(units)
        .in_bulk(pks)
    )
    return [found[pk] for pk in dict.fromkeys(pks) if pk in found]


# -- the customer's label link -------------------------------------------------------------------
# A signed token, not a login: customer service mails the link. Its own salt, so no other signed
# value of the site can pass for it.

LABEL_LINK_SALT = "rma.customer-label-link"
# A label is useful while the parcel is still on its way to us; cancelled, rejected and expired
# returns must not be shipped, and received ones need no label.
LABEL_LINK_STATES = {ReturnState.AUTHORIZED, ReturnState.IN_TRANSIT}


def label_link_valid_until(*, rma: ReturnRequest) -> dt.datetime:
    """Until the RAN expires, and never longer than the policy's RAN validity from now."""
    cap = timezone.now() + dt.timedelta(days=rma.policy.ran_validity_days)
    return min(rma.authorization_expires_at, cap)


def label_url_for(rma: ReturnRequest) -> str:
    """The path of the customer's label PDF: unguessable, and refused once the RAN is no longer valid."""
    payload = {"rma": rma.pk, "ran": rma.ran, "until": label_link_valid_until(rma=rma).timestamp()}
    return reverse("customer_label", args=[signing.dumps(payload, salt=LABEL_LINK_SALT)])


def return_for_label_token(*, token: str) -> ReturnRequest:
    """The return a customer's label link names, loaded for printing.

    Raises signing.BadSignature for a forged or altered token, and its subclass SignatureExpired
    once the link has run out or the return no longer awaits its parcel.
    """
    payload = signing.loads(token, salt=LABEL_LINK_SALT)
    if timezone.now().timestamp() > payload["until"]:
        raise signing.SignatureExpired("The label link has expired.")
    found = returns_for_labels(pks=[payload["rma"]])
    if not found or found[0].ran != payload["ran"]:
        raise signing.BadSignature("The label link names no return.")
    if found[0].state not in LABEL_LINK_STATES:
        raise signing.SignatureExpired("The return no longer awaits its parcel.")
    return found[0]
