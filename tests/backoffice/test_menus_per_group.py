"""Each group sees the menus and actions its work needs, and no more."""

import pytest
from django.urls import reverse

from inspection.models import Inspection
from rma.models import ReturnState
from tests.factories import return_in_state


def menu_of(client, user) -> set[str]:
    client.force_login(user)
    app_list = client.get(reverse("admin:index")).context["app_list"]
    return {model["object_name"] for app in app_list for model in app["models"]}


@pytest.mark.parametrize(("group", "sees", "does_not_see"), [
    ("inspector", {"ReturnRequest", "Inspection", "Disposition", "DispositionRule"},
     {"Refund", "StoreCreditEntry", "User", "ReturnPolicy", "Customer", "Order"}),
    ("finance", {"Refund", "StoreCreditEntry", "ReturnRequest", "Inspection"},
     {"DispositionRule", "User", "StockMovement"}),
    ("customer_service", {"ReturnRequest", "Customer", "Order", "UnexpectedParcel"},
     {"StoreCreditEntry", "DispositionRule", "User"}),
    ("dock", {"ReturnRequest", "ReceivingScan", "UnexpectedParcel"},
     {"Refund", "Inspection", "Customer", "Order", "User"}),
    ("manager", {"ReturnRequest", "Refund", "Inspection", "Client", "Warehouse", "ReturnPolicy",
                 "DispositionRule", "User", "Group", "StockMovement"}, set()),
])
def test_each_group_sees_only_its_menus(client, staff, group, sees, does_not_see):
    menu = menu_of(client, getattr(staff, group))

    assert sees <= menu
    assert not (does_not_see & menu)


def test_inspector_cannot_open_refunds(client, staff):
    refund = return_in_state(ReturnState.DISPOSITIONED, staff=staff).refunds.get()
    client.force_login(staff.inspector)

    assert client.get(reverse("admin:refunds_refund_changelist")).status_code == 403
    assert client.get(reverse("admin:refunds_refund_change", args=[refund.pk])).status_code == 403


def test_finance_cannot_edit_inspections(client, staff):
    rma = return_in_state(ReturnState.INSPECTED, staff=staff, units=1)
    inspection = Inspection.objects.get(item__return_request=rma)
    client.force_login(staff.finance)

    page = client.get(reverse("admin:inspection_inspection_change", args=[inspection.pk]))
    post = client.post(reverse("admin:inspection_inspection_change", args=[inspection.pk]), {"grade": "F"})

    assert page.status_code == 200 and not page.context["has_change_permission"]
    assert post.status_code == 403
    assert Inspection.objects.get(pk=inspection.pk).grade == "A"


def test_customer_service_is_offered_no_refund_approval(client, staff):
    refund = return_in_state(ReturnState.DISPOSITIONED, staff=staff).refunds.get()
    client.force_login(staff.customer_service)

    queue = client.get(reverse("admin:refunds_refund_changelist"))
    page = client.get(reverse("admin:refunds_refund_change", args=[refund.pk]))

    assert queue.context["action_form"] is None  # no bulk action at all
    # Only a switch to store credit, with the customer's consent: nothing that approves or pays.
    assert [name for name, _ in page.context["offered"]] == ["switch"]


def test_dock_is_offered_no_authorization(client, staff):
    rma = return_in_state(ReturnState.REQUESTED, staff=staff)
    client.force_login(staff.dock)

    changelist = client.get(reverse("admin:rma_returnrequest_changelist"))

    actions = [name for name, _ in changelist.context["action_form"].fields["action"].choices if name]
    assert actions == ["print_labels", "print_labels_with_slips"]  # the dock prints labels, and authorizes nothing
    assert client.get(reverse("admin:rma_returnrequest_add")).status_code == 403
    assert rma.state == ReturnState.REQUESTED
