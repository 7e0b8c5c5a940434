import pytest
import time_machine
from django.utils import timezone

from rma.models import ReturnRequest
from rma.states import ReturnState
from tests.factories import Staff, order_for, return_in_state


def _open(holder, order, **fields):
    body = {"order_number": order.number, "items": [{"line_number": 1, "quantity": 1, "reason": "size_fit"}]}
    return holder.api.post("/api/v1/returns/", {**body, **fields}, format="json")


def test_a_return_opened_over_the_api_is_authorized_at_once_where_the_policy_allows(instant_shop):
    order = order_for(instant_shop.client)
    response = _open(instant_shop, order)
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["state"] == "authorized"
    assert body["ran"]
    assert body["channel"] == "api"
    assert body["items"][0] == {
        "unit_number": 1, "line_number": 1, "sku": order.lines.get().sku, "reason": "size_fit", "comment": "",
        "serial_number": "", "grade": None, "disposition": None,
    }
    assert [event["type"] for event in body["events"]] == ["return.requested", "return.authorized"]
    rma = ReturnRequest.objects.get(pk=body["id"])
    assert rma.events.first().channel == "api"


def test_a_return_waits_for_review_where_the_policy_says(shop):
    response = _open(shop, order_for(shop.client))
    assert response.status_code == 201
    assert response.json()["state"] == "requested"
    assert response.json()["ran"] is None


def test_opening_a_return_of_another_clients_order_is_not_found(shop, other_shop):
    assert _open(shop, order_for(other_shop.client)).status_code == 404


def test_a_line_the_order_lacks_or_too_many_units_are_a_400(shop):
    order = order_for(shop.client, quantity=1)
    missing = shop.api.post("/api/v1/returns/", {"order_number": order.number, "items": [
        {"line_number": 9, "reason": "size_fit"}]}, format="json")
    assert missing.status_code == 400
    assert "items" in missing.json()["fields"]
    too_many = shop.api.post("/api/v1/returns/", {"order_number": order.number, "items": [
        {"line_number": 1, "quantity": 2, "reason": "size_fit"}]}, format="json")
    assert too_many.status_code == 400
    assert "delivered" in too_many.json()["message"]


def test_the_list_is_the_clients_own_newest_first_with_filters(shop, other_shop):
    staff = Staff()
    first = return_in_state(ReturnState.AUTHORIZED, client=shop.client, staff=staff)
    second = return_in_state(ReturnState.REQUESTED, client=shop.client, staff=staff)
    return_in_state(ReturnState.AUTHORIZED, client=other_shop.client, staff=staff)

    listed = shop.api.get("/api/v1/returns/").json()
    assert [row["id"] for row in listed["results"]] == [second.pk, first.pk]
    assert listed["next"] is None
    assert [r["id"] for r in shop.api.get("/api/v1/returns/?state=authorized").json()["results"]] == [first.pk]
    written_loosely = first.ran.lower().replace("-", " ")
    assert [r["id"] for r in shop.api.get("/api/v1/returns/", {"ran": written_loosely}).json()["results"]] == [
        first.pk]
    by_order = shop.api.get("/api/v1/returns/", {"order_number": second.order.number}).json()["results"]
    assert [r["id"] for r in by_order] == [second.pk]
    assert shop.api.get("/api/v1/returns/?state=nonsense").status_code == 400
    assert shop.api.get("/api/v1/returns/?updated_since=yesterday").status_code == 400


def test_the_list_pages_by_cursor(shop):
    staff = Staff()
    made = [return_in_state(ReturnState.REQUESTED, client=shop.client, staff=staff).pk for _ in range(3)]
    page = shop.api.get("/api/v1/returns/?page_size=2").json()
    assert len(page["results"]) == 2
    rest = shop.api.get(page["next"]).json()
    assert [r["id"] for r in page["results"] + rest["results"]] == made[::-1]
    assert rest["next"] is None


def test_pages_walk_every_return_once_even_those_requested_in_the_same_instant(shop):
    staff = Staff()
    with time_machine.travel(timezone.now(), tick=False):  # one requested_at for all: only the id orders them
        made = [return_in_state(ReturnState.REQUESTED, client=shop.client, staff=staff).pk for _ in range(7)]
    seen, url = [], "/api/v1/returns/?page_size=3"
    while url:
        page = shop.api.get(url).json()
        seen += [r["id"] for r in page["results"]]
        url = page["next"]
    assert seen == sorted(made, reverse=True)


@pytest.mark.parametrize("cursor", ["nonsense", "W10", "WyJ4IiwgMV0", "x" * 500])
def test_a_cursor_we_did_not_write_is_a_400(shop, cursor):
    response = shop.api.get("/api/v1/returns/", {"cursor": cursor})
    assert response.status_code == 400
    assert response.json()["fields"] == {"cursor": ["Give the cursor of a page's `next` address as it is."]}


def test_another_clients_return_is_not_found_by_id_or_ran(shop, other_shop):
    theirs = return_in_state(ReturnState.AUTHORIZED, client=other_shop.client)
    for path in (f"/api/v1/returns/{theirs.pk}/", f"/api/v1/returns/{theirs.pk}/label/"):
        assert shop.api.get(path).status_code == 404
    for action, body in (("cancel", {"reason": "x"}), ("tracking", {"carrier": "DHL", "tracking_number": "1"})):
        assert shop.api.post(f"/api/v1/returns/{theirs.pk}/{action}/", body, format="json").status_code == 404
    assert shop.api.get("/api/v1/returns/", {"ran": theirs.ran}).json()["results"] == []
    assert ReturnRequest.objects.get(pk=theirs.pk).state == ReturnState.AUTHORIZED


def test_cancel_and_a_cancel_the_state_refuses(shop):
    rma = return_in_state(ReturnState.AUTHORIZED, client=shop.client)
    cancelled = shop.api.post(f"/api/v1/returns/{rma.pk}/cancel/", {"reason": "Kept it"}, format="json")
    assert cancelled.status_code == 200
    assert cancelled.json()["state"] == "cancelled"
    again = shop.api.post(f"/api/v1/returns/{rma.pk}/cancel/", {"reason": "Kept it"}, format="json")
    assert again.status_code == 409
    assert again.json()["code"] == "transition_refused"
    assert shop.api.post(f"/api/v1/returns/{rma.pk}/cancel/", {}, format="json").json()["fields"] == {
        "reason": ["This field is required."]}


def test_tracking(shop):
    rma = return_in_state(ReturnState.AUTHORIZED, client=shop.client)
    body = {"carrier": "DHL", "tracking_number": "00340434161094042557"}
    response = shop.api.post(f"/api/v1/returns/{rma.pk}/tracking/", body, format="json")
    assert response.status_code == 200, response.json()
    assert response.json()["tracking_number"] == "00340434161094042557"
    huge = shop.api.post(f"/api/v1/returns/{rma.pk}/tracking/", {**body, "carrier": "x" * 10_000}, format="json")
    assert huge.status_code == 400
    assert "carrier" in huge.json()["fields"]


def test_the_label_in_every_format(shop):
    rma = return_in_state(ReturnState.AUTHORIZED, client=shop.client)
    pdf = shop.api.get(f"/api/v1/returns/{rma.pk}/label/")
    assert pdf.status_code == 200
    assert pdf["Content-Type"] == "application/pdf"
    assert pdf.content.startswith(b"%PDF")
    assert shop.api.get(f"/api/v1/returns/{rma.pk}/label/?paper=a4").content.startswith(b"%PDF")
    zpl = shop.api.get(f"/api/v1/returns/{rma.pk}/label/?paper=zpl")
    assert zpl.content.startswith(b"^XA")
    assert rma.ran.encode() in zpl.content
    assert shop.api.get(f"/api/v1/returns/{rma.pk}/label/?paper=a3").status_code == 400


def test_no_label_before_a_ran(shop):
    rma = return_in_state(ReturnState.REQUESTED, client=shop.client)
    response = shop.api.get(f"/api/v1/returns/{rma.pk}/label/")
    assert response.status_code == 409
    assert response.json()["code"] == "no_label"


def test_updated_since_takes_any_offset_python_reads(shop):
    return_in_state(ReturnState.REQUESTED, client=shop.client)
    far = shop.api.get("/api/v1/returns/", {"updated_since": "1752-02-06T15:29:47-17:35"})
    assert far.status_code == 200
    assert len(far.json()["results"]) == 1
