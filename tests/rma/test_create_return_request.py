"""create_return_request: one ReturnItem per unit, the channel and policy version recorded, bad input refused."""

import pytest
from django.core.exceptions import ValidationError

from core.actors import CustomerActor, SystemActor
from core.errors import InvalidInput, NotConfigured, PermissionRefused
from rma import services as rma_services
from rma.models import ReturnEvent, ReturnItem, ReturnPolicy, ReturnRequest, ReturnState
from tests.factories import ClientFactory, PolicyFactory, client_account, client_with_policy, order_for


def nothing_created() -> bool:
    return not (ReturnRequest.objects.exists() or ReturnItem.objects.exists() or ReturnEvent.objects.exists())


def create(order, staff, *, items=None, channel="phone", **fields) -> ReturnRequest:
    items = items if items is not None else [{"order_line": order.lines.first(), "quantity": 1, "reason": "defective"}]
    return rma_services.create_return_request(
        order=order, items=items, channel=channel, actor=fields.pop("actor", staff.customer_service), **fields
    )


# -- units -----------------------------------------------------------------------------------------


def test_each_unit_becomes_one_return_item(staff):
    order = order_for(client_with_policy(auto_authorize=False), lines=2, quantity=3)
    first, second = order.lines.all()

    rma = create(order, staff, items=[
        {"order_line": first, "quantity": 3, "reason": "size_fit"},
        {"order_line": second, "quantity": 1, "reason": "defective"},
    ])

    assert list(rma.items.values_list("unit_number", "order_line", "reason")) == [
        (1, first.pk, "size_fit"), (2, first.pk, "size_fit"), (3, first.pk, "size_fit"), (4, second.pk, "defective"),
    ]


def test_each_unit_keeps_the_comment_and_serial_number_trimmed(staff):
    order = order_for(client_with_policy(auto_authorize=False), quantity=1)

    rma = create(order, staff, items=[{
        "order_line": order.lines.get(), "quantity": 1, "reason": "defective",
        "comment": "  Screen flickers  ", "serial_number": " SN-123 ",
    }])

    assert (rma.items.get().comment, rma.items.get().serial_number) == ("Screen flickers", "SN-123")


def test_order_line_may_be_given_by_its_id(staff):
    order = order_for(client_with_policy(auto_authorize=False))
    line = order.lines.first()

    rma = create(order, staff, items=[{"order_line": line.pk, "quantity": 2, "reason": "defective"}])

    assert list(rma.items.values_list("order_line", flat=True)) == [line.pk, line.pk]


def test_new_request_is_requested_and_recorded(staff):
    order = order_for(client_with_policy(auto_authorize=False))

    rma = create(order, staff)

    event = rma.events.get()
    assert (rma.state, event.action, event.to_state, event.actor) == (
        ReturnState.REQUESTED, "request", ReturnState.REQUESTED, staff.customer_service
    )


# -- channel and actor -----------------------------------------------------------------------------


@pytest.mark.parametrize("channel", ["phone", "email", "chat", "admin"])
def test_customer_service_records_how_the_customer_asked(channel, staff):
    order = order_for(client_with_policy(auto_authorize=False))

    rma = create(order, staff, channel=channel)

    event = rma.events.get(action="request")
    assert (rma.channel, event.channel, event.actor) == (channel, "admin", staff.customer_service)


@pytest.mark.parametrize("channel", ["portal", "api"])
def test_customer_service_cannot_claim_the_portal_or_the_api(channel, staff):
    order = order_for(client_with_policy(auto_authorize=False))

    with pytest.raises(PermissionRefused, match="not by"):
        create(order, staff, channel=channel)

    assert nothing_created()


def test_customer_on_the_portal_is_named_on_the_event_by_id(staff):
    order = order_for(client_with_policy(auto_authorize=False))

    rma = create(order, staff, channel="portal", actor=CustomerActor(customer=order.customer))

    event = rma.events.get(action="request")
    assert (rma.channel, rma.created_by) == ("portal", None)
    assert (event.actor, event.customer, event.channel, event.from_state) == (None, order.customer, "portal", "")
    assert order.customer.email not in str(event.details) + event.note


def test_customer_cannot_return_another_customers_order(staff):
    client = client_with_policy(auto_authorize=False)
    order, someone_elses = order_for(client), order_for(client)

    with pytest.raises(PermissionRefused, match="someone else"):
        create(order, staff, channel="portal", actor=CustomerActor(customer=someone_elses.customer))

    assert nothing_created()


def test_customer_opens_returns_only_on_the_portal(staff):
    order = order_for(client_with_policy(auto_authorize=False))

    with pytest.raises(PermissionRefused):
        create(order, staff, channel="phone", actor=CustomerActor(customer=order.customer))

    assert nothing_created()


def test_client_system_opens_returns_through_the_api_for_its_own_client_only(staff):
    order = order_for(client_with_policy(auto_authorize=False))
    account = client_account(order.client)

    rma = create(order, staff, channel="api", actor=account)

    event = rma.events.get(action="request")
    assert (event.actor, event.channel) == (account, "api")
    other_client_order = order_for(client_with_policy(auto_authorize=False))
    with pytest.raises(PermissionRefused, match="someone else"):
        create(other_client_order, staff, channel="api", actor=account)


@pytest.mark.parametrize("actor", [None, SystemActor("cron")], ids=["nobody", "system"])
@pytest.mark.parametrize("channel", ["portal", "phone", "api"])
def test_nobody_and_no_job_opens_a_return(actor, channel, staff):
    order = order_for(client_with_policy(auto_authorize=False))

    with pytest.raises(PermissionRefused):
        create(order, staff, channel=channel, actor=actor)

    assert nothing_created()


def test_auto_authorization_is_the_systems(staff):
    order = order_for(client_with_policy(auto_authorize=True))

    rma = create(order, staff)

    event = rma.events.get(action="authorize")
    assert (event.channel, event.system_job, event.actor, event.from_state) == (
        "system", "auto_authorization", None, "requested"
    )


# -- refund method ---------------------------------------------------------------------------------


def test_refund_method_defaults_to_the_first_the_policy_offers(staff):
    order = order_for(client_with_policy(refund_methods=["store_credit", "original_payment"], auto_authorize=False))

    assert create(order, staff).refund_method == "store_credit"


def test_refund_method_chosen_by_the_customer_is_recorded(staff):
    order = order_for(client_with_policy(refund_methods=["store_credit", "original_payment"], auto_authorize=False))

    assert create(order, staff, refund_method="original_payment").refund_method == "original_payment"


# -- bad input -------------------------------------------------------------------------------------


def _line(order, **entry) -> list[dict]:
    return [{"order_line": order.lines.first(), "quantity": 1, "reason": "defective", **entry}]


BAD_REQUESTS = {
    "no items": lambda order, other: {"items": []},
    "line of another order": lambda order, other: {"items": _line(other, order_line=other.lines.first())},
    "quantity zero": lambda order, other: {"items": _line(order, quantity=0)},
    "quantity negative": lambda order, other: {"items": _line(order, quantity=-1)},
    "quantity as text": lambda order, other: {"items": _line(order, quantity="1")},
    "quantity fractional": lambda order, other: {"items": _line(order, quantity=1.5)},
    "quantity boolean": lambda order, other: {"items": _line(order, quantity=True)},
    "more than delivered": lambda order, other: {"items": _line(order, quantity=3)},
    "more than delivered over two entries": lambda order, other: {"items": _line(order, quantity=2) + _line(order)},
    "unknown reason": lambda order, other: {"items": _line(order, reason="too_expensive")},
    "no reason": lambda order, other: {"items": _line(order, reason=None)},
    "refund method not offered": lambda order, other: {"refund_method": "gift_card"},
    "unknown refund method": lambda order, other: {"refund_method": "bitcoin"},
    "unknown channel": lambda order, other: {"channel": "fax"},
}


@pytest.mark.parametrize("bad", BAD_REQUESTS.values(), ids=BAD_REQUESTS.keys())
def test_bad_request_is_refused_and_creates_nothing(bad, staff):
    client = client_with_policy(refund_methods=["original_payment", "store_credit"], auto_authorize=False)
    order = order_for(client, quantity=2)
    other_order = order_for(client, quantity=2)

    with pytest.raises(InvalidInput):
        create(order, staff, **bad(order, other_order))

    assert nothing_created()


def test_unknown_refund_method_is_refused_where_the_policy_lists_no_methods(staff):
    order = order_for(client_with_policy(refund_methods=[], auto_authorize=False))

    with pytest.raises(InvalidInput):
        create(order, staff, refund_method="bitcoin")

    assert nothing_created()


def test_client_without_a_policy_is_not_configured_and_nothing_is_created(staff):
    order = order_for(ClientFactory())

    with pytest.raises(NotConfigured):
        create(order, staff)

    assert nothing_created()


# -- the policy version is pinned ------------------------------------------------------------------


def test_return_keeps_the_policy_version_in_force_when_requested(staff):
    client = client_with_policy(auto_authorize=False)
    rma = create(order_for(client), staff)

    PolicyFactory(client=client, accepted_reasons=["wrong_item"], auto_authorize=False)

    assert ReturnRequest.objects.get(pk=rma.pk).policy.version == 1


def test_authorization_applies_the_pinned_version_not_a_newer_one(staff):
    client = client_with_policy(auto_authorize=False)
    rma = create(order_for(client), staff)
    PolicyFactory(client=client, accepted_reasons=["wrong_item"], auto_authorize=False)

    rma = rma_services.authorize_return(rma=rma, actor=staff.customer_service)

    assert rma.state == ReturnState.AUTHORIZED


def test_request_after_a_new_version_is_published_pins_the_new_version(staff):
    client = client_with_policy(auto_authorize=False)
    PolicyFactory(client=client, auto_authorize=False)

    assert create(order_for(client), staff).policy.version == 2


def test_saved_policy_version_cannot_be_changed(db):
    policy = PolicyFactory(window_days=30)
    policy.window_days = 90

    with pytest.raises(ValidationError):
        policy.save()

    assert ReturnPolicy.objects.get(pk=policy.pk).window_days == 30


def test_a_policy_listing_no_methods_offers_only_the_original_payment(staff):
    order = order_for(client_with_policy(refund_methods=[], auto_authorize=False))

    with pytest.raises(InvalidInput):
        create(order, staff, refund_method="store_credit")
    rma = create(order, staff)

    assert rma.refund_method == "original_payment"
