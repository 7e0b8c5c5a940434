from refunds import services as refund_services
from rma import services as rma_services
from rma.states import ReturnState
from tests.factories import Staff, return_in_state


def _approved_refund(holder, staff):
    rma = return_in_state(ReturnState.DISPOSITIONED, client=holder.client, staff=staff)
    refund = rma.refunds.get()
    return refund_services.approve_refund(refund=refund, actor=staff.finance)


def test_the_client_reads_its_refunds_and_confirms_one_paid_on_its_side(shop, other_shop):
    staff = Staff()
    refund = _approved_refund(shop, staff)
    theirs = _approved_refund(other_shop, staff)

    listed = shop.api.get("/api/v1/refunds/").json()["results"]
    assert [row["id"] for row in listed] == [refund.pk]
    detail = shop.api.get(f"/api/v1/refunds/{refund.pk}/").json()
    assert detail["amount"] == f"{refund.amount:.3f}"
    assert detail["status"] == "approved"

    confirmed = shop.api.post(f"/api/v1/refunds/{refund.pk}/confirm/", {"reference": "payout_5521"}, format="json")
    assert confirmed.status_code == 200, confirmed.json()
    assert confirmed.json()["status"] == "issued"
    assert confirmed.json()["reference"] == "payout_5521"
    assert shop.api.get(f"/api/v1/returns/{refund.return_request_id}/").json()["state"] == "refunded"

    assert shop.api.get(f"/api/v1/refunds/{theirs.pk}/").status_code == 404
    assert shop.api.post(f"/api/v1/refunds/{theirs.pk}/confirm/", {"reference": "x"}, format="json").status_code == 404


def test_confirming_an_exchange_needs_the_replacement_order(shop):
    refund = _approved_refund(shop, Staff())
    neither = shop.api.post(f"/api/v1/refunds/{refund.pk}/confirm/", {}, format="json")
    assert neither.status_code == 400
    assert "reference" in neither.json()["fields"]
    wrong_kind = shop.api.post(
        f"/api/v1/refunds/{refund.pk}/confirm/", {"replacement_order_number": "HW-2"}, format="json"
    )
    assert wrong_kind.status_code == 400
    assert "exchange" in wrong_kind.json()["message"]


def test_the_events_feed_carries_the_changes_of_state_oldest_first_and_never_notes(shop, other_shop):
    staff = Staff()
    rma = return_in_state(ReturnState.AUTHORIZED, client=shop.client, staff=staff)
    rma_services.add_note(rma=rma, actor=staff.customer_service, text="Customer is upset: staff only")
    return_in_state(ReturnState.AUTHORIZED, client=other_shop.client, staff=staff)

    page = shop.api.get("/api/v1/events/").json()
    assert [event["type"] for event in page["results"]] == ["return.requested", "return.authorized"]
    authorized = page["results"][1]
    assert authorized["data"] == {
        "id": rma.pk, "ran": rma.ran, "order_number": rma.order.number, "state": "authorized",
        "from_state": "requested", "event_id": int(authorized["id"]), "at": authorized["timestamp"],
    }
    assert "upset" not in str(page)

    rma_services.cancel_return(rma=rma, actor=staff.customer_service, reason="Kept it")
    later = shop.api.get(page["next"]).json()
    assert [event["type"] for event in later["results"]] == ["return.cancelled"]
    assert shop.api.get(later["next"]).json()["results"] == []
    assert shop.api.get("/api/v1/events/?after=-1").status_code == 400
