"""The changelist's "Print labels": one PDF of the ticked returns, in the order they were ticked, one page
each; "Print labels with packing slips" adds each label's slip after it."""

from django.contrib.messages import get_messages
from django.urls import reverse

from rma.models import ReturnState
from tests.factories import requested_return, return_in_state
from tests.tools import barcodes_on_pages, pdf_page_texts

CHANGELIST = reverse("admin:rma_returnrequest_changelist")


def print_labels(client, *returns, action="print_labels", **extra):
    return client.post(CHANGELIST, {"action": action, "_selected_action": [rma.pk for rma in returns], **extra})


def messages_of(response) -> list[str]:
    return [str(message) for message in get_messages(response.wsgi_request)]


def test_labels_come_in_the_order_they_were_ticked_not_the_lists(client, staff, tmp_path):
    first, second, third = (return_in_state(ReturnState.AUTHORIZED, staff=staff) for _ in range(3))
    client.force_login(staff.dock)

    response = print_labels(client, second, third, first)

    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert barcodes_on_pages(response.content, tmp_path) == [[second.ran], [third.ran], [first.ran]]


def test_with_packing_slips_each_label_is_followed_by_its_slip(client, staff, tmp_path):
    first, second = (return_in_state(ReturnState.AUTHORIZED, staff=staff) for _ in range(2))
    client.force_login(staff.dock)

    response = print_labels(client, second, first, action="print_labels_with_slips")

    pages = barcodes_on_pages(response.content, tmp_path)
    assert pages == [[second.ran], [second.ran], [first.ran], [first.ran]]
    texts = pdf_page_texts(response.content, tmp_path)
    assert "PACKING SLIP" in texts[1] and "PACKING SLIP" in texts[3] and "PACKING SLIP" not in texts[0]


def test_returns_without_a_ran_are_skipped_with_a_message(client, staff, tmp_path):
    printed = return_in_state(ReturnState.IN_TRANSIT, staff=staff)
    waiting = requested_return(staff=staff)
    client.force_login(staff.customer_service)

    response = print_labels(client, waiting, printed)

    assert barcodes_on_pages(response.content, tmp_path) == [[printed.ran]]
    assert messages_of(response) == [f"Skipped, no RAN yet (authorize first): {waiting}."]


def test_returns_that_are_over_are_left_out_with_a_message_naming_them(client, staff, tmp_path):
    over = {state: return_in_state(state, staff=staff) for state in (
        ReturnState.CLOSED, ReturnState.REFUNDED, ReturnState.CANCELLED, ReturnState.EXPIRED,
    )}
    printed = return_in_state(ReturnState.AUTHORIZED, staff=staff)  # after the expiry job, which it would meet
    client.force_login(staff.manager)

    response = print_labels(client, *over.values(), printed)

    assert barcodes_on_pages(response.content, tmp_path) == [[printed.ran]]
    names = ", ".join(f"{rma.ran} ({state.label.lower()})" for state, rma in over.items())
    assert messages_of(response) == [f"Skipped, the return is over and its label no longer serves: {names}."]


def test_only_returns_that_are_over_print_nothing_and_say_why(client, staff):
    expired = return_in_state(ReturnState.EXPIRED, staff=staff)
    client.force_login(staff.customer_service)

    response = print_labels(client, expired)

    assert response.status_code == 302
    assert messages_of(response)[-1] == "None of the selected returns has a label to print: no labels printed."


def test_nothing_to_print_goes_back_to_the_list_with_an_error(client, staff):
    waiting = requested_return(staff=staff)
    client.force_login(staff.customer_service)

    response = print_labels(client, waiting)

    assert response.status_code == 302
    assert "None of the selected returns has a RAN yet" in messages_of(response)[-1]


def test_all_across_the_list_print_in_the_lists_order(client, staff, tmp_path):
    older, newer = (return_in_state(ReturnState.AUTHORIZED, staff=staff) for _ in range(2))
    client.force_login(staff.dock)

    response = print_labels(client, older, select_across="1")

    pages = barcodes_on_pages(response.content, tmp_path)
    assert pages == [[newer.ran], [older.ran]]  # newest request first, as the list shows


def test_the_action_is_offered_only_to_those_who_print_labels(client, staff):
    return_in_state(ReturnState.AUTHORIZED, staff=staff)

    offered = {}
    for group in ("customer_service", "dock", "manager", "inspector", "finance"):
        client.force_login(getattr(staff, group))
        form = client.get(CHANGELIST).context["action_form"]  # None when the user may run no action
        offered[group] = form is not None and "print_labels" in [name for name, _ in form.fields["action"].choices]

    assert offered == {"customer_service": True, "dock": True, "manager": True, "inspector": False, "finance": False}


def test_a_forged_print_from_inspector_or_finance_is_refused(client, staff):
    rma = return_in_state(ReturnState.AUTHORIZED, staff=staff)

    for group in ("inspector", "finance"):
        client.force_login(getattr(staff, group))
        response = print_labels(client, rma)
        assert response.status_code == 403, group
