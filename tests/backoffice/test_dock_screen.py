"""The dock screen: every scan outcome through the JSON endpoint, the HTML fallback, and the forms under the answer."""

import io
import uuid

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from PIL import Image

from core.moments import format_moment
from rma import ran as ran_codes
from rma import services as rma_services
from rma.models import ParcelStatus, ReceivingScan, ReturnRequest, ReturnState, ScanResult, UnexpectedParcel
from rma.selectors import DockFigures
from tests.factories import (
    WarehouseFactory,
    assigned,
    never_issued_ran,
    one_symbol_changed,
    return_in_state,
    with_ran_written,
)

SCREEN = reverse("admin:dock")
SCAN = reverse("admin:dock_scan")
OUTCOME_KEYS = {
    "scan_id", "code", "result", "result_label", "scanned_at", "time", "ran", "summary", "headline", "detail",
    "client", "units", "wrong_site", "routed_to", "where", "received_at", "received_by", "return_url",
    "receive_expired_url", "note_url", "extra_unit_url", "tone",
}


def png(name: str = "photo.png") -> SimpleUploadedFile:
    buffer = io.BytesIO()
    Image.new("RGB", (40, 30), "grey").save(buffer, format="PNG")
    return SimpleUploadedFile(name, buffer.getvalue(), content_type="image/png")


def fresh(rma: ReturnRequest) -> ReturnRequest:
    return ReturnRequest.objects.get(pk=rma.pk)


@pytest.fixture
def dock(client, staff):
    staff.dock.first_name, staff.dock.last_name = "Dana", "Kowalski"
    staff.dock.save(update_fields=["first_name", "last_name"])
    client.force_login(staff.dock)
    return client


def scan(client, code: str):
    return client.post(SCAN, {"code": code})


# -- received --------------------------------------------------------------------------------------


@pytest.mark.parametrize("state", [ReturnState.AUTHORIZED, ReturnState.IN_TRANSIT])
def test_a_return_on_its_way_is_received_and_the_dock_told_where_it_goes(dock, staff, state):
    rma = return_in_state(state, staff=staff, units=2)
    rma.client.dock_instructions = "Lane 3, apparel"
    rma.client.save(update_fields=["dock_instructions"])

    answer = scan(dock, rma.ran).json()

    assert (answer["result"], answer["ran"], answer["client"], answer["units"], answer["where"]) == (
        ScanResult.RECEIVED, rma.ran, rma.client.name, 2, "Lane 3, apparel"
    )
    assert answer["headline"] == "Received: take it to Lane 3, apparel"
    assert "2 units expected" in answer["detail"]
    assert fresh(rma).state == ReturnState.RECEIVED


def test_the_answer_has_the_same_keys_whatever_the_result(dock, staff):
    rma = return_in_state(ReturnState.AUTHORIZED, staff=staff)

    answers = [scan(dock, code).json() for code in (rma.ran, rma.ran, one_symbol_changed(rma.ran), "NO-SUCH-CODE")]

    assert [answer["result"] for answer in answers] == ["received", "duplicate", "mistyped", "unknown"]
    assert all(set(answer) == OUTCOME_KEYS for answer in answers)


def test_a_client_without_dock_instructions_goes_to_the_inspection_intake(dock, staff):
    rma = return_in_state(ReturnState.AUTHORIZED, staff=staff)

    answer = scan(dock, rma.ran).json()

    assert answer["where"] == "Inspection intake"


def test_after_a_received_scan_the_dock_may_record_an_extra_unit(dock, staff):
    rma = return_in_state(ReturnState.AUTHORIZED, staff=staff)
    url = scan(dock, rma.ran).json()["extra_unit_url"]

    answer = dock.post(url, {"extra-description": "Phone case", "extra-photo": png()},
                       HTTP_ACCEPT="application/json")

    assert answer.status_code == 200 and "Phone case" in answer.json()["message"]
    unit = rma.extra_units.get()
    assert (unit.found_by, unit.description) == (staff.dock, "Phone case") and unit.photo


def test_an_extra_unit_without_a_description_is_refused_in_json(dock, staff):
    rma = return_in_state(ReturnState.AUTHORIZED, staff=staff)
    url = scan(dock, rma.ran).json()["extra_unit_url"]

    answer = dock.post(url, {"extra-description": ""}, HTTP_ACCEPT="application/json")

    assert answer.status_code == 400 and "What is it?" in answer.json()["message"]
    assert not rma.extra_units.exists()


# -- duplicate -------------------------------------------------------------------------------------


def test_a_second_scan_is_a_duplicate_that_says_when_and_by_whom(dock, staff):
    rma = return_in_state(ReturnState.AUTHORIZED, staff=staff)
    scan(dock, rma.ran)
    received = fresh(rma).received_at

    answer = scan(dock, rma.ran).json()

    assert (answer["result"], answer["received_by"], answer["received_at"]) == (
        ScanResult.DUPLICATE, "Dana Kowalski", received.isoformat()
    )
    assert answer["headline"] == "Already received: nothing changed"
    assert f"was received on {format_moment(received)} by Dana Kowalski" in answer["detail"]
    assert rma.events.filter(action="receive").count() == 1


def test_a_duplicate_of_a_return_further_along_says_where_it_is_now(dock, staff):
    rma = return_in_state(ReturnState.INSPECTED, staff=staff)

    answer = scan(dock, rma.ran).json()

    assert answer["result"] == ScanResult.DUPLICATE and answer["detail"].endswith("it is inspected now.")


# -- wrong state -----------------------------------------------------------------------------------


@pytest.mark.parametrize(("state", "said"), [
    (ReturnState.EXPIRED, "a manager may accept it"),
    (ReturnState.CANCELLED, "was cancelled on"),
    (ReturnState.REJECTED, "was rejected on"),
])
def test_a_dead_end_return_is_not_accepted_and_put_aside(dock, staff, state, said):
    rma = with_ran_written(return_in_state(state, staff=staff))

    answer = scan(dock, rma.ran).json()

    assert (answer["result"], answer["ran"]) == (ScanResult.WRONG_STATE, rma.ran)
    assert answer["headline"] == f"Do not accept: {state}"
    assert said in answer["detail"] and "Put the parcel aside" in answer["detail"]
    assert fresh(rma).state == state


def test_a_cancelled_return_says_why(dock, staff):
    rma = return_in_state(ReturnState.CANCELLED, staff=staff)

    answer = scan(dock, rma.ran).json()

    assert ": Customer kept it." in answer["detail"]


def test_a_manager_is_led_to_receive_an_expired_ran(client, staff):
    rma = return_in_state(ReturnState.EXPIRED, staff=staff)
    client.force_login(staff.manager)

    url = scan(client, rma.ran).json()["receive_expired_url"]

    assert url == reverse("admin:rma_returnrequest_act", args=[rma.pk, "receive-expired"])
    client.post(url, {"reason": "Carrier held it for a week"})
    assert fresh(rma).state == ReturnState.RECEIVED


def test_the_dock_is_not_offered_the_expired_receipt(dock, staff):
    rma = return_in_state(ReturnState.EXPIRED, staff=staff)

    answer = scan(dock, rma.ran).json()

    assert answer["receive_expired_url"] is None and answer["extra_unit_url"] is None


# -- mistyped --------------------------------------------------------------------------------------


def test_one_symbol_changed_is_mistyped_and_looks_no_ran_up(dock, staff):
    rma = return_in_state(ReturnState.AUTHORIZED, staff=staff)
    typo = one_symbol_changed(rma.ran)

    with CaptureQueriesContext(connection) as queries:
        answer = scan(dock, typo).json()

    assert (answer["result"], answer["ran"], answer["code"]) == (ScanResult.MISTYPED, None, typo)
    assert answer["headline"] == "Check character wrong: scan again"
    assert [q["sql"] for q in queries.captured_queries if '"rma_returnrequest"."ran" =' in q["sql"]] == []
    assert fresh(rma).state == ReturnState.AUTHORIZED and not UnexpectedParcel.objects.exists()


# -- unknown ---------------------------------------------------------------------------------------


def test_an_unknown_code_opens_an_unexpected_parcel_the_dock_can_note(dock, staff):
    code = never_issued_ran()

    answer = scan(dock, code).json()

    parcel = UnexpectedParcel.objects.get()
    assert (answer["result"], parcel.code, parcel.status) == (ScanResult.UNKNOWN, code, ParcelStatus.OPEN)
    assert answer["note_url"] == reverse("admin:dock_parcel_note", args=[parcel.pk])


def test_the_dock_notes_and_photographs_the_unknown_parcel(dock, staff):
    url = scan(dock, "JJD000111222333").json()["note_url"]

    answer = dock.post(url, {"parcel-note": "Blue DHL bag, sender Weber", "parcel-photo": png()},
                       HTTP_ACCEPT="application/json")

    assert answer.status_code == 200
    parcel = UnexpectedParcel.objects.get()
    assert parcel.dock_note == "Blue DHL bag, sender Weber" and parcel.photo.name.endswith(".png")


def test_a_parcel_photo_that_is_not_an_image_is_refused(dock, staff):
    url = scan(dock, "JJD000111222333").json()["note_url"]
    bad = SimpleUploadedFile("parcel.jpg", b"GIF89a? no, text", content_type="image/jpeg")

    answer = dock.post(url, {"parcel-note": "Blue bag", "parcel-photo": bad}, HTTP_ACCEPT="application/json")

    assert answer.status_code == 400
    assert answer.json()["code"] == "invalid_input" and "not a readable image" in answer.json()["message"]
    parcel = UnexpectedParcel.objects.get()
    assert (parcel.dock_note, parcel.photo.name) == ("", "")


def test_without_javascript_the_note_is_saved_and_the_screen_shown_again(dock, staff):
    scanned = scan(dock, "JJD000111222333").json()

    response = dock.post(scanned["note_url"], {"parcel-note": "Blue bag"}, follow=True)

    assert response.redirect_chain[-1][0] == f"{SCREEN}?scan={scanned['scan_id']}"
    assert "Note saved on parcel JJD000111222333" in response.content.decode()


# -- refusals --------------------------------------------------------------------------------------


@pytest.mark.parametrize("code", ["", "   "])
def test_an_empty_scan_is_a_clear_json_error(dock, code):
    response = scan(dock, code)

    assert response.status_code == 400
    assert response.json() == {"code": "invalid_input", "message": "The scan was empty; scan the RAN barcode again."}
    assert not ReceivingScan.objects.exists()


def test_a_scan_too_long_for_any_code_is_a_clear_json_error(dock):
    response = scan(dock, "X" * 201)

    assert response.status_code == 400 and "too long" in response.json()["message"]
    assert not ReceivingScan.objects.exists()


@pytest.mark.parametrize("group", ["inspector", "finance", "customer_service"])
def test_other_groups_get_403_in_json_and_nothing_is_received(client, staff, group):
    rma = return_in_state(ReturnState.AUTHORIZED, staff=staff)
    client.force_login(getattr(staff, group))

    response = scan(client, rma.ran)

    assert response.status_code == 403 and response.json()["code"] == "permission_refused"
    assert fresh(rma).state == ReturnState.AUTHORIZED and not ReceivingScan.objects.exists()


def test_a_signed_out_scan_gets_403_in_json(client, staff):
    rma = return_in_state(ReturnState.AUTHORIZED, staff=staff)

    response = scan(client, rma.ran)

    assert response.status_code == 403 and response.json()["code"] == "signed_out"
    assert fresh(rma).state == ReturnState.AUTHORIZED


def test_a_scan_without_the_csrf_token_is_refused(staff):
    rma = return_in_state(ReturnState.AUTHORIZED, staff=staff)
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(staff.dock)

    response = browser.post(SCAN, {"code": rma.ran})

    assert response.status_code == 403 and fresh(rma).state == ReturnState.AUTHORIZED


def test_the_endpoint_takes_only_posts(dock):
    assert dock.get(SCAN, {"code": "RA-0000-0000-0"}).status_code == 405


# -- the screen ------------------------------------------------------------------------------------


@pytest.mark.parametrize(("group", "allowed"), [
    ("dock", True), ("manager", True), ("inspector", False), ("finance", False), ("customer_service", False),
])
def test_the_screen_and_its_nav_link_are_for_the_dock_and_managers(client, staff, group, allowed):
    client.force_login(getattr(staff, group))

    screen = client.get(SCREEN)
    index = client.get(reverse("admin:index")).content.decode()

    assert screen.status_code == (200 if allowed else 403)
    assert (f'href="{SCREEN}"' in index) is allowed


def test_the_scan_field_has_the_focus_and_posts_to_the_screen_without_javascript(dock):
    page = dock.get(SCREEN).content.decode()

    assert 'id="dock-scan"' in page and "autofocus" in page
    assert f'action="{SCREEN}"' in page and f'data-endpoint="{SCAN}"' in page


def test_the_running_list_shows_this_sessions_scans_newest_first(dock, staff):
    before = return_in_state(ReturnState.AUTHORIZED, staff=staff)
    earlier_session = Client()
    earlier_session.force_login(staff.dock)
    scan(earlier_session, before.ran)
    dock.get(SCREEN)  # this session starts
    first, second = (return_in_state(ReturnState.AUTHORIZED, staff=staff) for _ in range(2))
    scan(dock, first.ran)
    scan(dock, "NO-SUCH-CODE")
    scan(dock, second.ran)

    rows = dock.get(SCREEN).context["rows"]

    assert [(row["code"], row["result"]) for row in rows] == [
        (second.ran, "received"), ("NO-SUCH-CODE", "unknown"), (first.ran, "received"),
    ]


def test_without_javascript_a_scan_posts_and_the_answer_is_shown_after_a_redirect(dock, staff):
    rma = return_in_state(ReturnState.AUTHORIZED, staff=staff)

    response = dock.post(SCREEN, {"code": rma.ran.lower()}, follow=True)

    scanned = ReceivingScan.objects.get()
    assert response.redirect_chain == [(f"{SCREEN}?scan={scanned.pk}", 302)]
    assert response.context["outcome"]["result"] == ScanResult.RECEIVED
    assert "Received: take it to Inspection intake" in response.content.decode()
    assert fresh(rma).state == ReturnState.RECEIVED


def test_without_javascript_an_empty_scan_is_explained(dock):
    response = dock.post(SCREEN, {"code": ""}, follow=True)

    assert "The scan was empty" in response.content.decode()
    assert not ReceivingScan.objects.exists()


def test_another_users_scan_is_not_shown(staff, dock):
    rma = return_in_state(ReturnState.AUTHORIZED, staff=staff)
    scanned_by_manager = Client()
    scanned_by_manager.force_login(staff.manager)
    scan_id = scan(scanned_by_manager, rma.ran).json()["scan_id"]

    response = dock.get(SCREEN, {"scan": scan_id})

    assert response.context["outcome"] is None


def test_a_ran_typed_loosely_is_received(dock, staff):
    rma = return_in_state(ReturnState.AUTHORIZED, staff=staff)
    typed = ran_codes.normalize(rma.ran).lower()

    assert scan(dock, typed).json()["result"] == ScanResult.RECEIVED


# -- the carrier's tracking number -----------------------------------------------------------------

UPS = "1Z999AA10123456784"


def tracked(state: str, staff) -> ReturnRequest:
    return rma_services.set_tracking(rma=return_in_state(state, staff=staff), actor=staff.customer_service,
                                     carrier="UPS", tracking_number=UPS)


def test_the_carriers_barcode_receives_its_return_and_the_dock_is_told_which(dock, staff):
    rma = tracked(ReturnState.IN_TRANSIT, staff)

    answer = scan(dock, UPS.lower()).json()

    assert (answer["result"], answer["ran"], answer["tone"]) == (ScanResult.RECEIVED, rma.ran, "success")
    assert answer["detail"].endswith(f"Found by the carrier's tracking number {UPS.lower()}.")
    assert answer["summary"].startswith(f"{rma.ran} by tracking number")
    assert fresh(rma).state == ReturnState.RECEIVED


def test_a_tracking_number_of_several_returns_asks_for_the_ran_label(dock, staff):
    first, second = tracked(ReturnState.IN_TRANSIT, staff), tracked(ReturnState.AUTHORIZED, staff)

    answer = scan(dock, UPS).json()

    assert (answer["result"], answer["ran"], answer["note_url"], answer["tone"]) == (
        ScanResult.AMBIGUOUS, None, None, "alert"
    )
    assert answer["headline"] == "Several returns have this tracking number: scan the RAN label"
    assert first.ran in answer["detail"] and second.ran in answer["detail"]
    assert {fresh(first).state, fresh(second).state} == {ReturnState.IN_TRANSIT, ReturnState.AUTHORIZED}


def test_only_a_received_parcel_sounds_the_success_tone(dock, staff):
    rma = return_in_state(ReturnState.AUTHORIZED, staff=staff)
    cancelled = return_in_state(ReturnState.CANCELLED, staff=staff)

    codes = [rma.ran, rma.ran, one_symbol_changed(rma.ran), cancelled.ran, "NO-SUCH-CODE"]
    answers = [scan(dock, code).json() for code in codes]

    assert [(answer["result"], answer["tone"]) for answer in answers] == [
        ("received", "success"), ("duplicate", "alert"), ("mistyped", "alert"), ("wrong_state", "alert"),
        ("unknown", "alert"),
    ]


# -- the same scan sent again ------------------------------------------------------------------------


def test_a_scan_sent_again_with_its_key_gets_the_first_answer_and_records_nothing(dock, staff):
    key = str(uuid.uuid4())

    first = dock.post(SCAN, {"code": "NO-SUCH-CODE", "idempotency_key": key}).json()
    again = dock.post(SCAN, {"code": "NO-SUCH-CODE", "idempotency_key": key}).json()

    assert again == first and first["result"] == ScanResult.UNKNOWN
    assert (ReceivingScan.objects.count(), UnexpectedParcel.objects.count()) == (1, 1)


def test_a_scan_key_that_is_no_uuid_is_a_clear_json_error(dock):
    response = dock.post(SCAN, {"code": "NO-SUCH-CODE", "idempotency_key": "1"})

    assert response.status_code == 400 and "not a UUID" in response.json()["message"]
    assert not ReceivingScan.objects.exists()


def test_without_javascript_a_resubmitted_form_records_the_scan_once(dock, staff):
    rma = return_in_state(ReturnState.AUTHORIZED, staff=staff)
    page = dock.get(SCREEN)
    key = str(page.context["scan_key"])
    assert f'name="idempotency_key" value="{key}"' in page.content.decode()

    for _ in range(2):
        dock.post(SCREEN, {"code": rma.ran, "idempotency_key": key})

    assert list(ReceivingScan.objects.values_list("result", flat=True)) == [ScanResult.RECEIVED]
    assert dock.get(SCREEN).context["scan_key"] != key


# -- the site --------------------------------------------------------------------------------------


def test_a_parcel_routed_to_another_site_is_received_and_the_dock_told_to_forward_it(dock, staff):
    rma = return_in_state(ReturnState.IN_TRANSIT, staff=staff)
    rma.warehouse.name = "Edison Returns Center"
    rma.warehouse.save(update_fields=["name"])
    assigned(staff.dock, WarehouseFactory())
    dock.get(SCREEN)  # this session starts

    answer = scan(dock, rma.ran).json()

    assert (answer["result"], answer["wrong_site"], answer["routed_to"]) == (
        ScanResult.RECEIVED, True, str(rma.warehouse)
    )
    assert answer["headline"] == f"Received, but routed to another site: forward it to {rma.warehouse}"
    assert answer["extra_unit_url"] is None  # the parcel stays closed for its own site
    assert fresh(rma).state == ReturnState.RECEIVED
    assert dock.get(SCREEN).context["rows"][0]["summary"] == f"{rma.client} → forward to {rma.warehouse}"


def test_a_parcel_at_its_own_site_is_not_flagged(dock, staff):
    rma = return_in_state(ReturnState.IN_TRANSIT, staff=staff)
    assigned(staff.dock, rma.warehouse)

    answer = scan(dock, rma.ran).json()

    assert (answer["result"], answer["wrong_site"]) == (ScanResult.RECEIVED, False)
    assert answer["headline"] == "Received: take it to Inspection intake"


def test_a_duplicate_at_the_wrong_site_says_where_it_was_routed(dock, staff):
    rma = return_in_state(ReturnState.IN_TRANSIT, staff=staff)
    assigned(staff.dock, WarehouseFactory())
    scan(dock, rma.ran)

    answer = scan(dock, rma.ran).json()

    assert answer["result"] == ScanResult.DUPLICATE
    assert answer["detail"].endswith(f"It was routed to {rma.warehouse}, not to this site.")


def test_an_assigned_dock_sees_its_sites_figures_first_then_the_whole_facility(dock, staff):
    here = return_in_state(ReturnState.IN_TRANSIT, staff=staff)
    return_in_state(ReturnState.AUTHORIZED, staff=staff)  # another client, another warehouse
    assigned(staff.dock, here.warehouse)
    scan(dock, here.ran)
    scan(dock, "JJD000111222333")

    response = dock.get(SCREEN)

    page = response.content.decode()
    assert page.index('id="dock-site-figures"') < page.index('id="dock-facility-figures"')
    assert f"Today at {here.warehouse.name}" in page
    assert response.context["site_figures"] == DockFigures(expected=0, received=1, to_forward=0, unexpected_open=1)
    assert response.context["facility_figures"] == DockFigures(
        expected=1, received=1, to_forward=0, unexpected_open=1
    )


def test_parcels_received_for_another_site_are_counted_to_forward(dock, staff):
    rma = return_in_state(ReturnState.IN_TRANSIT, staff=staff)
    assigned(staff.dock, WarehouseFactory())
    scan(dock, rma.ran)

    response = dock.get(SCREEN)

    assert response.context["site_figures"].to_forward == 1
    assert response.context["facility_figures"].to_forward == 1


def test_an_unassigned_dock_sees_the_whole_facility_only(dock, staff):
    return_in_state(ReturnState.AUTHORIZED, staff=staff)
    return_in_state(ReturnState.IN_TRANSIT, staff=staff)

    response = dock.get(SCREEN)

    page = response.content.decode()
    assert 'id="dock-site-figures"' not in page and 'id="dock-facility-figures"' in page
    assert response.context["site_figures"] is None
    assert response.context["facility_figures"].expected == 2


def test_the_screen_runs_a_constant_number_of_queries_however_many_sites(dock, staff, django_assert_max_num_queries):
    returns = [return_in_state(ReturnState.IN_TRANSIT, staff=staff) for _ in range(5)]  # five warehouses
    assigned(staff.dock, returns[0].warehouse)
    for rma in returns:
        scan(dock, rma.ran)

    with django_assert_max_num_queries(12):
        assert dock.get(SCREEN).status_code == 200
