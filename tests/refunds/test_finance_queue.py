"""Finance's queue: what waits, oldest first, with what finance weighs; approve, deny, issue."""

from html.parser import HTMLParser

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone

from inspection import services as inspection_services
from inspection.models import Inspection
from refunds import services as refund_services
from refunds.models import Refund, RefundStatus
from rma.models import ReturnRequest, ReturnState
from tests.factories import disposition_all, requested_return, return_in_state

QUEUE = reverse("admin:refunds_refund_changelist")


def refund_page(refund) -> str:
    return reverse("admin:refunds_refund_change", args=[refund.pk])


def act(refund, action: str) -> str:
    return reverse("admin:refunds_refund_act", args=[refund.pk, action])


@pytest.fixture
def finance(client, staff):
    client.force_login(staff.finance)
    return client


def pending_refund(staff, **kwargs) -> Refund:
    return return_in_state(ReturnState.DISPOSITIONED, staff=staff, **kwargs).refunds.get()


def test_queue_lists_refunds_waiting_for_approval_oldest_first(finance, staff):
    with time_machine.travel(timezone.now() - timezone.timedelta(days=2)):
        older = pending_refund(staff)
    newer = pending_refund(staff)
    issued = return_in_state(ReturnState.REFUNDED, staff=staff).refunds.get()

    listed = list(finance.get(QUEUE).context["cl"].result_list)

    assert listed == [older, newer]
    assert issued not in listed


def test_queue_shows_amount_breakdown_method_inspection_and_fraud_signals(finance, staff):
    refund = pending_refund(staff, units=2)
    Inspection.objects.filter(item__return_request=refund.return_request, item__unit_number=2).update(
        serial_number_found="SN-OTHER")
    refund.return_request.items.filter(unit_number=2).update(serial_number="SN-SOLD")

    page = finance.get(QUEUE).content.decode()

    assert "100.00 EUR" in page and "2 units 100.00" in page and "Original payment" in page
    assert "A, A" in page
    assert "serial number mismatch" in page


def test_a_mismatched_unit_is_a_fraud_signal(finance, staff):
    rma = return_in_state(ReturnState.RECEIVED, staff=staff, units=2)
    for item in rma.items.order_by("unit_number"):
        inspection_services.record_inspection(
            item=item, actor=staff.inspector, grade="B", accessories_complete=True, original_packaging=True,
            matches_request=item.unit_number == 1,
        )
    disposition_all(ReturnRequest.objects.get(pk=rma.pk), staff)

    page = finance.get(QUEUE).content.decode()

    assert "1 unit did not match the request" in page


def test_finance_approves_then_issues_with_a_reference(finance, staff):
    refund = pending_refund(staff)

    finance.post(act(refund, "approve"))
    finance.post(act(refund, "issue"), {"reference": "PSP-123"})

    refund = Refund.objects.get(pk=refund.pk)
    assert refund.status == RefundStatus.ISSUED and refund.external_reference == "PSP-123"
    assert ReturnRequest.objects.get(pk=refund.return_request_id).state == ReturnState.REFUNDED


def test_issuing_to_the_original_payment_without_a_reference_explains_why_not(finance, staff):
    refund = pending_refund(staff)
    finance.post(act(refund, "approve"))

    response = finance.post(act(refund, "issue"), {"reference": ""}, follow=True)

    assert "takes no refund requests" in response.content.decode()
    assert Refund.objects.get(pk=refund.pk).status == RefundStatus.APPROVED


def test_deny_needs_a_reason_and_closes_the_return(finance, staff):
    refund = pending_refund(staff)

    finance.post(act(refund, "deny"), {"reason": ""})
    assert Refund.objects.get(pk=refund.pk).status == RefundStatus.PENDING_APPROVAL
    finance.post(act(refund, "deny"), {"reason": "Item worn, not resellable"})

    assert Refund.objects.get(pk=refund.pk).status == RefundStatus.DENIED
    assert ReturnRequest.objects.get(pk=refund.return_request_id).state == ReturnState.CLOSED


def test_bulk_approve_and_bulk_deny(finance, staff):
    first, second, third = pending_refund(staff), pending_refund(staff), pending_refund(staff)

    finance.post(QUEUE, {"action": "approve_selected", "_selected_action": [first.pk, second.pk]})
    finance.post(QUEUE, {"action": "deny_selected", "_selected_action": [third.pk], "apply": "1",
                         "reason": "Duplicate claim"})

    statuses = dict(Refund.objects.values_list("pk", "status"))
    assert statuses == {first.pk: "approved", second.pk: "approved", third.pk: "denied"}


def test_the_page_of_one_refund_offers_what_finance_may_do_now(finance, staff):
    refund = pending_refund(staff)

    pending = finance.get(refund_page(refund)).context["offered"]
    finance.post(act(refund, "approve"))
    approved = finance.get(refund_page(refund)).context["offered"]

    assert [name for name, _ in pending] == ["approve", "deny"]
    assert [name for name, _ in approved] == ["deny", "issue"]


@pytest.mark.parametrize("group", ["customer_service", "inspector", "dock"])
def test_other_roles_cannot_approve(client, staff, group):
    refund = pending_refund(staff)
    client.force_login(getattr(staff, group))

    single = client.post(act(refund, "approve"))
    bulk = client.post(QUEUE, {"action": "approve_selected", "_selected_action": [refund.pk]})

    assert single.status_code == 403 and bulk.status_code == 403
    assert Refund.objects.get(pk=refund.pk).status == RefundStatus.PENDING_APPROVAL


@pytest.mark.parametrize("refunds", [1, 50])
def test_queue_runs_a_constant_number_of_queries(finance, staff, refunds, django_assert_max_num_queries):
    pending_refund(staff, units=2)
    for _ in range(refunds - 1):
        rma = requested_return(staff=staff, units=2)
        Refund.objects.create(return_request=rma, amount=10, currency="EUR", method="original_payment",
                              proposed_at=timezone.now(), breakdown={})

    with django_assert_max_num_queries(12):
        response = finance.get(QUEUE)

    assert response.context["cl"].result_count == refunds


def approved_refund(staff) -> Refund:
    refund = pending_refund(staff)
    return refund_services.approve_refund(refund=refund, actor=staff.finance)


def issue_selected(finance, refunds, queue="approved", **fields):
    """Run the action from the queue "Approved, to issue" (or another), as finance does."""
    selected = {"action": "issue_selected", "_selected_action": [refund.pk for refund in refunds]}
    return finance.post(f"{QUEUE}?queue={queue}", {**selected, **fields}, follow=True)


def test_bulk_issue_asks_for_a_reference_for_each_approved_refund(finance, staff):
    first, second, waiting = approved_refund(staff), approved_refund(staff), pending_refund(staff)

    response = issue_selected(finance, [first, second, waiting], queue="all")

    form = response.context["form"]
    assert [refund for refund, _ in form.rows()] == [first, second]
    assert {"batch_reference", f"reference_{first.pk}", f"reference_{second.pk}"} == set(form.fields)
    page = response.content.decode()
    assert "100.00 EUR" in page and str(waiting.return_request) in page and "pending approval" in page
    assert Refund.objects.filter(status=RefundStatus.ISSUED).count() == 0


def test_bulk_issue_records_each_own_reference_or_else_the_batch_reference(finance, staff):
    first, second, third = approved_refund(staff), approved_refund(staff), approved_refund(staff)

    issue_selected(finance, [first, second, third], apply="1", batch_reference=" SETTLE-2026-11 ",
                   **{f"reference_{first.pk}": "PSP-1"})

    refunds = {refund.pk: refund for refund in Refund.objects.all()}
    assert {pk: (r.status, r.external_reference) for pk, r in refunds.items()} == {
        first.pk: ("issued", "PSP-1"), second.pk: ("issued", "SETTLE-2026-11"), third.pk: ("issued", "SETTLE-2026-11"),
    }
    assert set(ReturnRequest.objects.values_list("state", flat=True)) == {ReturnState.REFUNDED}


def test_bulk_issue_reports_which_refund_failed_and_why_and_issues_the_others(finance, staff):
    paid, unpayable = approved_refund(staff), approved_refund(staff)

    response = issue_selected(finance, [paid, unpayable], apply="1", **{f"reference_{paid.pk}": "PSP-7"})

    shown = [str(message) for message in response.context["messages"]]
    assert any(str(unpayable.return_request) in m and "takes no refund requests" in m for m in shown)
    assert "1 refund issued." in shown
    assert Refund.objects.get(pk=paid.pk).status == RefundStatus.ISSUED
    assert Refund.objects.get(pk=unpayable.pk).status == RefundStatus.APPROVED


def test_bulk_issue_of_refunds_none_of_them_approved_issues_nothing(finance, staff):
    waiting = pending_refund(staff)

    response = issue_selected(finance, [waiting], queue="pending", apply="1", batch_reference="SETTLE-1")

    assert "only approved refunds are issued" in response.content.decode()
    assert Refund.objects.get(pk=waiting.pk).status == RefundStatus.PENDING_APPROVAL


@pytest.mark.parametrize("group", ["customer_service", "inspector"])
def test_other_roles_cannot_issue_in_bulk(client, staff, group):
    refund = approved_refund(staff)
    client.force_login(getattr(staff, group))

    response = client.post(f"{QUEUE}?queue=approved", {
        "action": "issue_selected", "_selected_action": [refund.pk], "apply": "1", "batch_reference": "SETTLE-1",
    })

    assert response.status_code == 403
    assert Refund.objects.get(pk=refund.pk).status == RefundStatus.APPROVED


class FormFields(HTMLParser):
    """The ids of the fields a person fills in, and the ids the page's labels point at."""

    def __init__(self) -> None:
        super().__init__()
        self.fields: set[str] = set()
        self.labelled: set[str] = set()

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "label" and attrs.get("for"):
            self.labelled.add(attrs["for"])
        filled_in = tag in ("textarea", "select") or (
            tag == "input" and attrs.get("type", "text") not in ("hidden", "submit", "button", "checkbox"))
        if filled_in:
            self.fields.add(attrs.get("id") or f"<{tag} name={attrs.get('name')} without an id>")


@pytest.mark.parametrize("approved", [False, True])
def test_every_field_on_the_refund_page_has_a_label(finance, staff, approved):
    refund = approved_refund(staff) if approved else pending_refund(staff)
    parser = FormFields()

    parser.feed(finance.get(refund_page(refund)).content.decode())

    assert parser.fields >= ({"id_reason", "id_reference"} if approved else {"id_reason"})
    assert parser.fields - parser.labelled == set()
