"""The whole return on one page, and the transitions it offers: only what the user may run now."""

import pytest
from django.urls import reverse

from rma import services as rma_services
from rma.models import ReturnEvent, ReturnRequest, ReturnState
from tests.factories import client_with_policy, order_for, requested_return, return_in_state


def page_of(rma) -> str:
    return reverse("admin:rma_returnrequest_change", args=[rma.pk])


def act(rma, action: str) -> str:
    return reverse("admin:rma_returnrequest_act", args=[rma.pk, action])


def offered(response) -> list[str]:
    return [action.name for action in response.context["offered_actions"]]


def test_page_shows_units_inspection_disposition_refund_and_timeline(client, staff):
    rma = return_in_state(ReturnState.DISPOSITIONED, staff=staff, units=2)
    client.force_login(staff.manager)

    page = client.get(page_of(rma)).content.decode()

    assert rma.ran in page and rma.order.number in page and rma.customer.email in page
    assert page.count("Grade A") == 2 and page.count("Restock") >= 2
    assert "Refund: 100.00 EUR" in page and "Pending approval" in page
    for shown in ("Authorized", "In transit", "Received", "Inspected", "Dispositioned", "Refund proposed"):
        assert f"<strong>{shown}</strong>" in page
    assert "system (refund_after_disposition)" in page


@pytest.mark.parametrize(("group", "state", "expected"), [
    ("customer_service", ReturnState.REQUESTED, ["authorize", "reject", "attach-receipt", "cancel"]),
    ("manager", ReturnState.REQUESTED, ["authorize", "override", "reject", "attach-receipt", "cancel"]),
    ("customer_service", ReturnState.AUTHORIZED, ["ship", "set-tracking", "cancel"]),
    ("customer_service", ReturnState.IN_TRANSIT, ["set-tracking"]),
    ("manager", ReturnState.IN_TRANSIT, ["set-tracking", "receive"]),
    ("dock", ReturnState.IN_TRANSIT, ["receive"]),
    ("customer_service", ReturnState.RECEIVED, []),
    ("dock", ReturnState.AUTHORIZED, ["receive"]),
    ("dock", ReturnState.REQUESTED, []),
    ("inspector", ReturnState.AUTHORIZED, []),
    ("finance", ReturnState.REQUESTED, []),
    ("manager", ReturnState.EXPIRED, ["receive-expired"]),
    ("customer_service", ReturnState.EXPIRED, []),
    ("customer_service", ReturnState.REFUNDED, []),
    ("customer_service", ReturnState.CLOSED, ["customer-told"]),
    ("finance", ReturnState.CLOSED, []),
])
def test_only_the_transitions_the_user_may_run_now_are_offered(client, staff, group, state, expected):
    rma = return_in_state(state, staff=staff)
    client.force_login(getattr(staff, group))

    # Everyone who works on returns but the dock may add a note, in every state.
    assert offered(client.get(page_of(rma))) == expected + ([] if group == "dock" else ["note"])


def test_authorize_button_authorizes_through_the_service(client, staff):
    rma = requested_return(staff=staff)
    client.force_login(staff.customer_service)

    response = client.post(act(rma, "authorize"))

    rma = ReturnRequest.objects.get(pk=rma.pk)
    assert response.status_code == 302 and rma.state == ReturnState.AUTHORIZED
    assert rma.events.filter(action="authorize", actor=staff.customer_service).exists()


@pytest.mark.parametrize(("group", "action"), [
    ("dock", "authorize"), ("inspector", "reject"), ("finance", "cancel"),
    ("customer_service", "override"), ("customer_service", "receive-expired"), ("dock", "no-such-action"),
    ("dock", "set-tracking"), ("finance", "set-tracking"),
])
def test_forged_post_for_a_transition_the_user_may_not_run_is_refused(client, staff, group, action):
    rma = requested_return(staff=staff)
    events = ReturnEvent.objects.count()
    client.force_login(getattr(staff, group))

    response = client.post(act(rma, action), {"reason": "forged", "carrier": "X", "tracking_number": "1"})

    assert response.status_code == 403
    assert ReturnRequest.objects.get(pk=rma.pk).state == ReturnState.REQUESTED
    assert ReturnEvent.objects.count() == events


def test_reject_asks_for_the_reason_and_refuses_without_one(client, staff):
    rma = requested_return(staff=staff)
    client.force_login(staff.customer_service)

    form = client.get(act(rma, "reject"))
    blank = client.post(act(rma, "reject"), {"reason": "  "})
    done = client.post(act(rma, "reject"), {"reason": "Bought at another shop"})

    assert "reason" in form.context["form"].fields
    assert blank.status_code == 200 and blank.context["form"].errors
    assert done.status_code == 302
    rma = ReturnRequest.objects.get(pk=rma.pk)
    assert rma.state == ReturnState.REJECTED and rma.decision_reason == "Bought at another shop"


def test_mark_in_transit_records_carrier_and_tracking(client, staff):
    rma = return_in_state(ReturnState.AUTHORIZED, staff=staff)
    client.force_login(staff.customer_service)

    client.post(act(rma, "ship"), {"carrier": "UPS", "tracking_number": "1Z999"})

    rma = ReturnRequest.objects.get(pk=rma.pk)
    assert (rma.state, rma.carrier, rma.tracking_number) == (ReturnState.IN_TRANSIT, "UPS", "1Z999")


@pytest.mark.parametrize("action", ["ship", "set-tracking"])
def test_the_tracking_forms_start_with_the_carrier_and_tracking_already_set(client, staff, action):
    rma = return_in_state(ReturnState.AUTHORIZED, staff=staff)
    rma_services.set_tracking(rma=rma, actor=staff.customer_service, carrier="DHL", tracking_number="JJD0042")
    client.force_login(staff.customer_service)

    form = client.get(act(rma, action)).context["form"]

    assert (form["carrier"].value(), form["tracking_number"].value()) == ("DHL", "JJD0042")


def test_set_tracking_records_carrier_and_tracking_without_moving_the_return(client, staff):
    rma = return_in_state(ReturnState.AUTHORIZED, staff=staff)
    client.force_login(staff.customer_service)

    response = client.post(act(rma, "set-tracking"), {"carrier": "UPS", "tracking_number": "1Z999"})

    rma = ReturnRequest.objects.get(pk=rma.pk)
    assert response.status_code == 302
    assert (rma.state, rma.carrier, rma.tracking_number) == (ReturnState.AUTHORIZED, "UPS", "1Z999")
    assert rma.events.filter(action="set_tracking", actor=staff.customer_service).exists()


def test_set_tracking_on_a_received_return_is_refused_with_a_message(client, staff):
    rma = return_in_state(ReturnState.RECEIVED, staff=staff)
    client.force_login(staff.customer_service)

    response = client.post(act(rma, "set-tracking"), {"carrier": "UPS", "tracking_number": "1Z999"}, follow=True)

    assert "only while it is authorized or in transit" in response.content.decode()
    assert ReturnRequest.objects.get(pk=rma.pk).tracking_number == "JJD1"


def test_a_policy_failure_becomes_a_clear_message_and_changes_nothing(client, staff):
    rma = requested_return(staff=staff, reason="changed_mind", accepted_reasons=["defective"])
    client.force_login(staff.customer_service)

    response = client.post(act(rma, "authorize"), follow=True)

    text = response.content.decode()
    assert "changed_mind" in text and "not accepted by the policy" in text
    assert ReturnRequest.objects.get(pk=rma.pk).state == ReturnState.REQUESTED


def test_a_transition_no_longer_allowed_is_refused_with_a_message(client, staff):
    rma = return_in_state(ReturnState.CANCELLED, staff=staff)
    client.force_login(staff.customer_service)

    response = client.post(act(rma, "authorize"), follow=True)

    assert "cannot be authorized now" in response.content.decode()
    assert ReturnRequest.objects.get(pk=rma.pk).state == ReturnState.CANCELLED


def test_dock_receives_from_the_page(client, staff):
    rma = return_in_state(ReturnState.IN_TRANSIT, staff=staff)
    client.force_login(staff.dock)

    client.post(act(rma, "receive"))

    assert ReturnRequest.objects.get(pk=rma.pk).state == ReturnState.RECEIVED


def test_saving_the_page_changes_nothing_not_even_the_notes(client, staff):
    rma = requested_return(staff=staff)
    client.force_login(staff.customer_service)
    events = rma.events.count()

    client.post(page_of(rma), {"notes": "Customer called twice", "state": "refunded", "ran": "RA-XXXX"})

    saved = ReturnRequest.objects.get(pk=rma.pk)
    assert (saved.notes, saved.state, saved.ran) == (rma.notes, ReturnState.REQUESTED, None)
    assert saved.events.count() == events


def test_a_note_is_added_to_the_timeline_through_its_action(client, staff):
    rma = requested_return(staff=staff)
    client.force_login(staff.customer_service)

    response = client.post(reverse("admin:rma_returnrequest_act", args=[rma.pk, "note"]),
                           {"text": "Customer called twice"}, follow=True)

    event = rma.events.get(action="note_added")
    assert (event.note, event.actor, event.from_state, event.to_state) == (
        "Customer called twice", staff.customer_service, "requested", "requested"
    )
    assert "Note added to the timeline." in response.content.decode()
    assert "Customer called twice" in client.get(page_of(rma)).content.decode()


def test_the_dock_may_not_add_notes(client, staff):
    rma = requested_return(staff=staff)
    client.force_login(staff.dock)

    response = client.post(reverse("admin:rma_returnrequest_act", args=[rma.pk, "note"]), {"text": "Hi"})

    assert response.status_code == 403 and not rma.events.filter(action="note_added").exists()


def test_a_blank_or_overlong_note_is_refused_with_the_form(client, staff):
    rma = requested_return(staff=staff)
    client.force_login(staff.customer_service)
    url = reverse("admin:rma_returnrequest_act", args=[rma.pk, "note"])

    blank = client.post(url, {"text": "   "})
    overlong = client.post(url, {"text": "x" * 2001})

    assert blank.status_code == overlong.status_code == 200
    assert "at most 2000 characters" in overlong.content.decode()
    assert not rma.events.filter(action="note_added").exists()


@pytest.mark.parametrize("returns", [1, 50])
def test_page_runs_a_constant_number_of_queries(client, staff, returns, django_assert_max_num_queries):
    shown = return_in_state(ReturnState.DISPOSITIONED, staff=staff, units=2)
    for _ in range(returns - 1):
        requested_return(staff=staff, units=2)
    client.force_login(staff.manager)

    with django_assert_max_num_queries(16):
        assert client.get(page_of(shown)).status_code == 200


@pytest.mark.parametrize("units", [1, 12])
def test_page_queries_do_not_grow_with_units(client, staff, units, django_assert_max_num_queries):
    shown = return_in_state(ReturnState.DISPOSITIONED, staff=staff, units=units)
    client.force_login(staff.manager)

    with django_assert_max_num_queries(16):
        assert client.get(page_of(shown)).status_code == 200


# -- bulk actions on the changelist ------------------------------------------------------------------

CHANGELIST = reverse("admin:rma_returnrequest_changelist")


def test_bulk_authorize_authorizes_each_and_reports_failures(client, staff):
    passing = requested_return(staff=staff)
    failing = requested_return(staff=staff, reason="changed_mind", accepted_reasons=["defective"])
    client.force_login(staff.customer_service)

    response = client.post(CHANGELIST, {"action": "authorize_selected", "_selected_action": [passing.pk, failing.pk]},
                           follow=True)

    assert ReturnRequest.objects.get(pk=passing.pk).state == ReturnState.AUTHORIZED
    assert ReturnRequest.objects.get(pk=failing.pk).state == ReturnState.REQUESTED
    assert "not accepted by the policy" in response.content.decode()


def test_bulk_reject_asks_for_one_reason_then_rejects_all(client, staff):
    first, second = requested_return(staff=staff), requested_return(staff=staff)
    client.force_login(staff.customer_service)
    selected = {"action": "reject_selected", "_selected_action": [first.pk, second.pk]}

    asked = client.post(CHANGELIST, selected)
    client.post(CHANGELIST, {**selected, "apply": "1", "reason": "Outside the return window"})

    assert asked.status_code == 200 and "reason" in asked.context["form"].fields
    for rma in (first, second):
        rma = ReturnRequest.objects.get(pk=rma.pk)
        assert rma.state == ReturnState.REJECTED and rma.decision_reason == "Outside the return window"


def test_forged_bulk_action_is_refused(client, staff):
    rma = requested_return(staff=staff)
    client.force_login(staff.dock)

    response = client.post(CHANGELIST, {"action": "authorize_selected", "_selected_action": [rma.pk]})

    assert response.status_code == 403
    assert ReturnRequest.objects.get(pk=rma.pk).state == ReturnState.REQUESTED


def test_returns_cannot_be_deleted_from_the_admin(client, staff):
    rma = requested_return(staff=staff)
    client.force_login(staff.manager)

    response = client.post(reverse("admin:rma_returnrequest_delete", args=[rma.pk]), {"post": "yes"})

    assert response.status_code == 403 and ReturnRequest.objects.filter(pk=rma.pk).exists()


# -- entering a request for a customer ------------------------------------------------------------------


def test_customer_service_enters_a_phone_request(client, staff):
    merchant = client_with_policy(auto_authorize=False)
    order = order_for(merchant, quantity=3)
    line = order.lines.get()
    client.force_login(staff.customer_service)
    url = reverse("admin:rma_returnrequest_add") + f"?client={merchant.pk}&order_number={order.number.lower()}"

    response = client.post(url, {
        "channel": "phone", "refund_method": "original_payment", f"quantity_{line.pk}": "2",
        f"reason_{line.pk}": "defective", f"serial_{line.pk}": "SN-1",
    })

    rma = ReturnRequest.objects.get(order=order)
    assert response.status_code == 302
    assert (rma.channel, rma.items.count(), rma.created_by) == ("phone", 2, staff.customer_service)


def test_new_request_form_refuses_more_units_than_delivered_and_creates_nothing(client, staff):
    merchant = client_with_policy()
    order = order_for(merchant, quantity=1)
    line = order.lines.get()
    client.force_login(staff.customer_service)
    url = reverse("admin:rma_returnrequest_add") + f"?client={merchant.pk}&order_number={order.number}"

    response = client.post(url, {"channel": "phone", "refund_method": "original_payment",
                                 f"quantity_{line.pk}": "5", f"reason_{line.pk}": "defective"})

    assert response.status_code == 200 and response.context["form"].errors
    assert not ReturnRequest.objects.filter(order=order).exists()


def test_unknown_order_is_reported(client, staff):
    merchant = client_with_policy()
    client.force_login(staff.customer_service)

    response = client.get(reverse("admin:rma_returnrequest_add"), {"client": merchant.pk, "order_number": "NOPE"})

    assert "has no order NOPE" in response.content.decode()
