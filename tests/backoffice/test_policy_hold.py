"""A request that breaks its policy: created with a warning naming each rule, and Authorize not offered
again until something the rules read has changed (a manager's override stays)."""

from decimal import Decimal

from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from rma import services as rma_services
from rma.models import ReturnRequest, ReturnState
from tests.factories import client_with_policy, order_for, requested_return
from tests.uploads import pdf_upload

NEW_RETURN = reverse("admin:rma_returnrequest_add")


def page_of(rma) -> str:
    return reverse("admin:rma_returnrequest_change", args=[rma.pk])


def act(rma, action: str) -> str:
    return reverse("admin:rma_returnrequest_act", args=[rma.pk, action])


def offered(client, rma) -> list[str]:
    return [action.name for action in client.get(page_of(rma)).context["offered_actions"]]


def a_receipt() -> SimpleUploadedFile:
    return pdf_upload()


def enter_request(client, order, *, reason: str = "changed_mind"):
    line = order.lines.get()
    url = f"{NEW_RETURN}?client={order.client_id}&order_number={order.number}"
    return client.post(url, {"channel": "phone", "refund_method": "original_payment",
                             f"quantity_{line.pk}": "1", f"reason_{line.pk}": reason}, follow=True)


def test_a_request_breaking_two_rules_is_created_with_a_warning_naming_each_rule(client, staff):
    merchant = client_with_policy(accepted_reasons=["defective"], receipt_required_above=Decimal("100.00"))
    order = order_for(merchant, unit_price="150.00")
    client.force_login(staff.customer_service)

    response = enter_request(client, order)

    shown = [(message.level_tag, message.message) for message in response.context["messages"]]
    assert [level for level, _ in shown] == ["warning", "warning", "warning"]
    assert "created but not authorized" in shown[0][1]
    assert shown[1][1] == "The reason 'changed_mind' is not accepted by the policy."
    assert shown[2][1] == f"A receipt document is required for units above 100.00 EUR ({order.lines.get().sku})."
    page = response.content.decode()
    assert 'id="policy-hold"' in page and "Authorization held" in page
    assert ReturnRequest.objects.get(order=order).state == ReturnState.REQUESTED


def test_a_request_that_passes_is_created_with_a_success_message(client, staff):
    order = order_for(client_with_policy())
    client.force_login(staff.customer_service)

    response = enter_request(client, order, reason="defective")

    assert [m.level_tag for m in response.context["messages"]] == ["success"]
    assert 'id="policy-hold"' not in response.content.decode()


def test_authorize_is_not_offered_again_after_it_failed_for_the_same_rules(client, staff):
    rma = requested_return(staff=staff, accepted_reasons=["defective"], reason="changed_mind")
    client.force_login(staff.customer_service)
    assert "authorize" in offered(client, rma)  # never tried yet

    client.post(act(rma, "authorize"))

    assert "authorize" not in offered(client, rma)
    assert {"reject", "cancel"} <= set(offered(client, rma))


def test_a_manager_may_still_override_a_held_request(client, staff):
    rma = requested_return(staff=staff, accepted_reasons=["defective"], reason="changed_mind")
    client.force_login(staff.manager)
    client.post(act(rma, "authorize"))

    actions = offered(client, rma)

    assert "authorize" not in actions and "override" in actions


def test_attaching_the_missing_receipt_offers_authorize_again_and_it_passes(client, staff):
    rma = requested_return(staff=staff, receipt_required_above=Decimal("10.00"))
    client.force_login(staff.customer_service)
    client.post(act(rma, "authorize"))
    assert "authorize" not in offered(client, rma)

    client.post(act(rma, "attach-receipt"), {"document": a_receipt()})

    assert "authorize" in offered(client, rma)
    client.post(act(rma, "authorize"))
    assert ReturnRequest.objects.get(pk=rma.pk).state == ReturnState.AUTHORIZED


def test_a_change_that_leaves_other_rules_failing_offers_one_more_attempt(staff, client):
    rma = requested_return(staff=staff, receipt_required_above=Decimal("10.00"), accepted_reasons=["defective"])
    client.force_login(staff.customer_service)
    client.post(act(rma, "authorize"))

    rma_services.attach_receipt(rma=rma, actor=staff.customer_service, document=a_receipt())

    assert "authorize" in offered(client, rma)
    response = client.post(act(rma, "authorize"), follow=True)
    assert [m.message for m in response.context["messages"]][1:] == [
        "The reason 'changed_mind' is not accepted by the policy."
    ]
    assert "authorize" not in offered(client, rma)


def test_an_auto_authorizing_policy_that_held_the_request_offers_no_authorize_at_once(client, staff):
    rma = requested_return(staff=staff, auto_authorize=True, accepted_reasons=["defective"])
    client.force_login(staff.customer_service)

    assert rma.state == ReturnState.REQUESTED and "authorize" not in offered(client, rma)
