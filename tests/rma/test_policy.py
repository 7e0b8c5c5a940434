"""authorize_return runs the client's policy: each rule passing and failing, overrides, auto-authorization."""

import datetime as dt
import zoneinfo
from decimal import Decimal

import pytest
import time_machine
from django.utils import timezone

from core.errors import PermissionRefused, PolicyViolation
from rma import services as rma_services
from rma.models import Client, Order, ReturnEvent, ReturnRequest, ReturnState
from tests.factories import (
    ClientFactory,
    CustomerFactory,
    OrderFactory,
    OrderLineFactory,
    PolicyFactory,
    Staff,
    client_with_policy,
    order_for,
    requested_return,
    return_in_state,
)
from tests.uploads import pdf_upload

DAY = dt.timedelta(days=1)


def order_with_line(client: Client, *, quantity: int = 1, **line_fields) -> Order:
    order = OrderFactory(client=client)
    OrderLineFactory(order=order, line_number=1, quantity=quantity, **line_fields)
    return order


def request_return(
    order: Order, staff: Staff, *, quantity: int = 1, reason: str = "changed_mind", **fields
) -> ReturnRequest:
    return rma_services.create_return_request(
        order=order, items=[{"order_line": order.lines.first(), "quantity": quantity, "reason": reason}],
        channel="phone", actor=staff.customer_service, **fields,
    )


def failed_rules_of(rma: ReturnRequest, staff: Staff) -> list[str]:
    """The rules authorization reports as failed; empty when the return was authorized."""
    try:
        rma_services.authorize_return(rma=rma, actor=staff.customer_service)
    except PolicyViolation as refusal:
        return [failure.rule for failure in refusal.failures]
    return []


def fresh(rma: ReturnRequest) -> ReturnRequest:
    return ReturnRequest.objects.get(pk=rma.pk)


# -- return window ---------------------------------------------------------------------------------


def test_window_from_order_date_refuses_a_late_request_even_when_delivery_was_recent(staff):
    client = client_with_policy(window_days=30, window_starts_from="order_date", auto_authorize=False)
    now = timezone.now()
    order = order_for(client, ordered_at=now - 40 * DAY, delivered_at=now - 5 * DAY)

    assert failed_rules_of(request_return(order, staff), staff) == ["return_window"]


def test_window_from_order_date_accepts_a_request_within_it(staff):
    client = client_with_policy(window_days=30, window_starts_from="order_date", auto_authorize=False)
    now = timezone.now()
    order = order_for(client, ordered_at=now - 20 * DAY, delivered_at=now - 5 * DAY)

    assert failed_rules_of(request_return(order, staff), staff) == []


def test_window_from_delivery_date_accepts_an_order_placed_long_before(staff):
    client = client_with_policy(window_days=30, window_starts_from="delivery_date", auto_authorize=False)
    now = timezone.now()
    order = order_for(client, ordered_at=now - 40 * DAY, delivered_at=now - 5 * DAY)

    assert failed_rules_of(request_return(order, staff), staff) == []


def test_window_from_delivery_date_refuses_a_request_after_it(staff):
    client = client_with_policy(window_days=30, window_starts_from="delivery_date", auto_authorize=False)
    now = timezone.now()
    order = order_for(client, ordered_at=now - 40 * DAY, delivered_at=now - 32 * DAY)

    assert failed_rules_of(request_return(order, staff), staff) == ["return_window"]


def test_window_from_delivery_date_counts_from_the_order_when_never_delivered(staff):
    client = client_with_policy(window_days=30, window_starts_from="delivery_date", auto_authorize=False)
    order = order_for(client, ordered_at=timezone.now() - 40 * DAY, delivered_at=None)

    assert failed_rules_of(request_return(order, staff), staff) == ["return_window"]


# Delivered on 1 March 2025, local time, on a day whose UTC date differs: in Los Angeles the evening is
# already 2 March in UTC, in Auckland the morning is still 28 February. A 30-day window ends with 31 March
# in the client's zone, whatever UTC says (and Los Angeles changes to summer time on the way).
BOUNDARY_CASES = {
    "America/Los_Angeles": dt.datetime(2025, 3, 1, 20, 0),
    "Pacific/Auckland": dt.datetime(2025, 3, 1, 8, 0),
}


def request_at(moment: dt.datetime, *, zone_name: str, staff: Staff) -> ReturnRequest:
    zone = zoneinfo.ZoneInfo(zone_name)
    client = ClientFactory(time_zone=zone_name)
    PolicyFactory(client=client, window_days=30, window_starts_from="delivery_date", auto_authorize=False)
    delivered = BOUNDARY_CASES[zone_name].replace(tzinfo=zone)
    order = order_for(client, ordered_at=delivered - 2 * DAY, delivered_at=delivered)
    with time_machine.travel(moment.replace(tzinfo=zone), tick=False):
        return request_return(order, staff)


@pytest.mark.parametrize("zone_name", BOUNDARY_CASES)
def test_window_includes_the_last_moment_of_its_last_day_in_the_client_time_zone(zone_name, staff):
    rma = request_at(dt.datetime(2025, 3, 31, 23, 59, 59, 999999), zone_name=zone_name, staff=staff)

    assert failed_rules_of(rma, staff) == []


@pytest.mark.parametrize("zone_name", BOUNDARY_CASES)
def test_window_excludes_the_first_moment_of_the_next_day_in_the_client_time_zone(zone_name, staff):
    rma = request_at(dt.datetime(2025, 4, 1, 0, 0), zone_name=zone_name, staff=staff)

    assert failed_rules_of(rma, staff) == ["return_window"]


# -- final sale ------------------------------------------------------------------------------------


def test_final_sale_sku_is_refused(staff):
    client = client_with_policy(final_sale_skus=["GIFTBOX-1"], auto_authorize=False)
    order = order_with_line(client, sku="GIFTBOX-1")

    assert failed_rules_of(request_return(order, staff), staff) == ["final_sale"]


def test_sku_not_listed_as_final_sale_passes(staff):
    client = client_with_policy(final_sale_skus=["GIFTBOX-1"], auto_authorize=False)
    order = order_with_line(client, sku="SHOE-42")

    assert failed_rules_of(request_return(order, staff), staff) == []


def test_final_sale_category_is_refused(staff):
    client = client_with_policy(final_sale_categories=["swimwear"], auto_authorize=False)
    order = order_with_line(client, sku="BIKINI-1", category="swimwear")

    assert failed_rules_of(request_return(order, staff), staff) == ["final_sale"]


def test_category_not_listed_as_final_sale_passes(staff):
    client = client_with_policy(final_sale_categories=["swimwear"], auto_authorize=False)
    order = order_with_line(client, sku="SHOE-42", category="shoes")

    assert failed_rules_of(request_return(order, staff), staff) == []


# -- quantity across returns on the same order -----------------------------------------------------


@pytest.mark.parametrize("earlier_state", ["requested", "authorized", "in_transit", "received"])
def test_units_claimed_by_an_earlier_live_return_cannot_be_returned_again(earlier_state, staff):
    client = client_with_policy(auto_authorize=False)
    order = order_for(client, quantity=2)
    return_in_state(earlier_state, staff=staff, client=client, order=order, units=2)
    later = requested_return(units=1, client=client, order=order, staff=staff)

    assert failed_rules_of(later, staff) == ["quantity"]


@pytest.mark.parametrize("earlier_state", ["rejected", "cancelled", "expired"])
def test_units_of_a_dead_earlier_return_are_returnable_again(earlier_state, staff):
    client = client_with_policy(auto_authorize=False)
    order = order_for(client, quantity=2)
    return_in_state(earlier_state, staff=staff, client=client, order=order, units=2)
    later = requested_return(units=2, client=client, order=order, staff=staff)

    assert failed_rules_of(later, staff) == []


def test_units_no_earlier_return_claims_remain_returnable(staff):
    client = client_with_policy(auto_authorize=False)
    order = order_for(client, quantity=2)
    return_in_state("authorized", staff=staff, client=client, order=order, units=1)
    later = requested_return(units=1, client=client, order=order, staff=staff)

    assert failed_rules_of(later, staff) == []


# -- reasons, receipts, customer limit -------------------------------------------------------------


def test_reason_the_policy_does_not_accept_is_refused(staff):
    client = client_with_policy(accepted_reasons=["defective", "wrong_item"], auto_authorize=False)
    order = order_for(client)

    assert failed_rules_of(request_return(order, staff, reason="changed_mind"), staff) == ["reason"]


def test_reason_the_policy_accepts_passes(staff):
    client = client_with_policy(accepted_reasons=["defective", "wrong_item"], auto_authorize=False)
    order = order_for(client)

    assert failed_rules_of(request_return(order, staff, reason="defective"), staff) == []


def test_unit_above_the_receipt_threshold_needs_a_receipt_document(staff):
    client = client_with_policy(receipt_required_above=Decimal("100.00"), auto_authorize=False)
    order = order_with_line(client, unit_price=Decimal("150.00"))

    assert failed_rules_of(request_return(order, staff), staff) == ["receipt_required"]


def test_unit_above_the_receipt_threshold_passes_with_a_receipt_document(staff):
    client = client_with_policy(receipt_required_above=Decimal("100.00"), auto_authorize=False)
    order = order_with_line(client, unit_price=Decimal("150.00"))
    receipt = pdf_upload()

    assert failed_rules_of(request_return(order, staff, receipt_document=receipt), staff) == []


def test_unit_priced_at_the_receipt_threshold_needs_no_receipt(staff):
    client = client_with_policy(receipt_required_above=Decimal("100.00"), auto_authorize=False)
    order = order_with_line(client, unit_price=Decimal("100.00"))

    assert failed_rules_of(request_return(order, staff), staff) == []


def test_customer_at_the_return_limit_is_refused(staff):
    client = client_with_policy(max_returns_per_customer=1, auto_authorize=False)
    customer = CustomerFactory(client=client)
    request_return(order_for(client, customer=customer), staff)
    second = request_return(order_for(client, customer=customer), staff)

    assert failed_rules_of(second, staff) == ["customer_limit"]


def test_customer_under_the_return_limit_passes(staff):
    client = client_with_policy(max_returns_per_customer=2, auto_authorize=False)
    customer = CustomerFactory(client=client)
    request_return(order_for(client, customer=customer), staff)
    second = request_return(order_for(client, customer=customer), staff)

    assert failed_rules_of(second, staff) == []


def test_cancelled_returns_do_not_count_against_the_customer_limit(staff):
    client = client_with_policy(max_returns_per_customer=1, auto_authorize=False)
    customer = CustomerFactory(client=client)
    earlier = request_return(order_for(client, customer=customer), staff)
    rma_services.cancel_return(rma=earlier, actor=staff.customer_service, reason="Changed plans")
    second = request_return(order_for(client, customer=customer), staff)

    assert failed_rules_of(second, staff) == []


def test_returns_before_the_limit_period_do_not_count_against_the_customer_limit(staff):
    client = client_with_policy(max_returns_per_customer=1, return_limit_period_days=365, auto_authorize=False)
    customer = CustomerFactory(client=client)
    with time_machine.travel(timezone.now() - 400 * DAY, tick=False):
        request_return(order_for(client, customer=customer), staff)
    second = request_return(order_for(client, customer=customer), staff)

    assert failed_rules_of(second, staff) == []


# -- a refused authorization -----------------------------------------------------------------------


def request_breaking_three_rules(staff: Staff) -> ReturnRequest:
    """Outside the window, a final-sale SKU, and a reason the policy does not accept."""
    client = client_with_policy(
        window_days=14, final_sale_skus=["FINAL-1"], accepted_reasons=["defective"], auto_authorize=False
    )
    order = OrderFactory(client=client, ordered_at=timezone.now() - 60 * DAY, delivered_at=timezone.now() - 50 * DAY)
    OrderLineFactory(order=order, line_number=1, sku="FINAL-1", quantity=1)
    return request_return(order, staff, reason="changed_mind")


def test_refused_authorization_lists_every_failed_rule(staff):
    rma = request_breaking_three_rules(staff)

    with pytest.raises(PolicyViolation) as refusal:
        rma_services.authorize_return(rma=rma, actor=staff.customer_service)

    assert [failure.rule for failure in refusal.value.failures] == ["return_window", "final_sale", "reason"]


def test_refused_authorization_leaves_the_return_requested_without_a_ran(staff):
    rma = request_breaking_three_rules(staff)

    with pytest.raises(PolicyViolation):
        rma_services.authorize_return(rma=rma, actor=staff.customer_service)

    assert (fresh(rma).state, fresh(rma).ran) == (ReturnState.REQUESTED, None)


def test_refused_authorization_keeps_an_event_with_every_failed_rule(staff):
    rma = request_breaking_three_rules(staff)

    with pytest.raises(PolicyViolation):
        rma_services.authorize_return(rma=rma, actor=staff.customer_service)

    event = ReturnEvent.objects.get(return_request=rma, action="authorization_refused")
    assert [rule["rule"] for rule in event.details["failed_rules"]] == ["return_window", "final_sale", "reason"]
    assert (event.from_state, event.to_state, event.actor) == ("requested", "requested", staff.customer_service)


# -- manager override ------------------------------------------------------------------------------


def test_manager_override_authorizes_a_request_that_breaks_the_policy(staff):
    rma = request_breaking_three_rules(staff)

    rma = rma_services.authorize_return(rma=rma, actor=staff.manager, override_reason="Loyal customer, goodwill")

    assert fresh(rma).state == ReturnState.AUTHORIZED
    assert fresh(rma).ran


def test_manager_override_records_the_overridden_rules_and_the_reason(staff):
    rma = request_breaking_three_rules(staff)

    rma_services.authorize_return(rma=rma, actor=staff.manager, override_reason="Loyal customer, goodwill")

    event = ReturnEvent.objects.get(return_request=rma, action="authorize")
    assert [rule["rule"] for rule in event.details["overridden_rules"]] == ["return_window", "final_sale", "reason"]
    assert "Loyal customer, goodwill" in event.note
    assert event.actor == staff.manager


def test_manager_without_an_override_reason_is_refused_like_anyone(staff):
    rma = request_breaking_three_rules(staff)

    with pytest.raises(PolicyViolation):
        rma_services.authorize_return(rma=rma, actor=staff.manager, override_reason="   ")

    assert fresh(rma).state == ReturnState.REQUESTED


def test_customer_service_cannot_override_the_policy(staff):
    rma = request_breaking_three_rules(staff)
    events_before = rma.events.count()

    with pytest.raises(PermissionRefused):
        rma_services.authorize_return(rma=rma, actor=staff.customer_service, override_reason="Customer insisted")

    assert fresh(rma).state == ReturnState.REQUESTED
    assert rma.events.count() == events_before


# -- auto-authorization on create ------------------------------------------------------------------


def test_auto_authorizing_policy_authorizes_a_passing_request_at_once(staff):
    client = client_with_policy(auto_authorize=True)

    rma = request_return(order_for(client), staff)

    assert rma.state == ReturnState.AUTHORIZED
    assert rma.ran


def test_auto_authorization_is_recorded_as_the_system(staff):
    client = client_with_policy(auto_authorize=True)

    rma = request_return(order_for(client), staff)

    event = rma.events.get(action="authorize")
    assert (event.actor, event.channel) == (None, "system")


def test_auto_authorizing_policy_holds_a_failing_request_for_review(staff):
    client = client_with_policy(auto_authorize=True, accepted_reasons=["defective"])

    rma = request_return(order_for(client), staff, reason="changed_mind")

    assert rma.state == ReturnState.REQUESTED
    event = rma.events.get(action="authorization_refused")
    assert [rule["rule"] for rule in event.details["failed_rules"]] == ["reason"]


def test_manual_review_policy_leaves_a_passing_request_for_customer_service(staff):
    client = client_with_policy(auto_authorize=False)

    rma = request_return(order_for(client), staff)

    assert rma.state == ReturnState.REQUESTED
    assert not rma.events.filter(action__in=["authorize", "authorization_refused"]).exists()
