"""Importing a carrier's tracking file in the admin: upload, a preview that changes nothing, confirm.

Every row is recorded by rma.services.import_carrier_events (test_import_carrier_events) by the rules of
record_carrier_event, whose outcomes test_record_carrier_event covers.
"""

import datetime as dt
import io

import openpyxl
import pytest
from django.contrib.messages import get_messages
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from rma import services as rma_services
from rma.models import CarrierEvent, CarrierEventOutcome, ReturnEvent, ReturnRequest, ReturnState
from tests.factories import Staff, return_in_state

CSV_FORMAT, XLSX_FORMAT = "0", "1"
CHANGELIST = "admin:rma_carrierevent_changelist"
IMPORT = "admin:rma_carrierevent_import"
CONFIRM = "admin:rma_carrierevent_process_import"


def fresh(rma: ReturnRequest) -> ReturnRequest:
    return ReturnRequest.objects.get(pk=rma.pk)


def labelled_return(staff: Staff, tracking_number: str) -> ReturnRequest:
    rma = return_in_state(ReturnState.AUTHORIZED, staff=staff)
    return rma_services.set_tracking(rma=rma, actor=staff.customer_service, carrier="DHL",
                                     tracking_number=tracking_number)


@pytest.fixture
def floor(staff):
    """One return for each outcome a carrier file can bring."""
    cancelled = return_in_state(ReturnState.CANCELLED, staff=staff)
    ReturnRequest.objects.filter(pk=cancelled.pk).update(carrier="DHL", tracking_number="JJD0003")
    return {
        "authorized": labelled_return(staff, "JJD0001"),
        "in_transit": return_in_state(ReturnState.IN_TRANSIT, staff=staff),  # tracking JJD1
        "cancelled": fresh(cancelled),
    }


CARRIER_FILE = (
    "tracking_number,event,time,carrier,description\n"
    "JJD0001,Picked up,2026-11-20T10:15:00+01:00,DHL,Berlin parcel shop\n"
    "JJD1,arrived_at_facility,2026-11-20T11:00:00Z,DHL,Leipzig hub\n"
    "JJD9999,in_transit,2026-11-20 12:30:00,DHL,\n"
    "JJD0003,in_transit,2026-11-20T13:00:00+00:00,DHL,\n"
)


def csv_upload(text: str = CARRIER_FILE, name: str = "dhl-2026-11-20.csv") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, text.encode("utf-8"), content_type="text/csv")


def xlsx_upload(rows: list[list]) -> SimpleUploadedFile:
    book = openpyxl.Workbook()
    for row in rows:
        book.active.append(row)
    content = io.BytesIO()
    book.save(content)
    return SimpleUploadedFile("ups.xlsx", content.getvalue(),
                             content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")


def preview(client, upload: SimpleUploadedFile, file_format: str = CSV_FORMAT):
    return client.post(reverse(IMPORT), {"import_file": upload, "format": file_format, "resource": "0"})


def confirm(client, previewed):
    return client.post(reverse(CONFIRM), previewed.context["confirm_form"].initial)


def snapshot() -> tuple:
    return (
        CarrierEvent.objects.count(), ReturnEvent.objects.count(),
        sorted(ReturnRequest.objects.values_list("pk", "state", "carrier", "tracking_number")),
    )


def preview_rows(response) -> list[tuple[str, str]]:
    return [(row.instance.tracking_number, row.instance.outcome) for row in response.context["result"].valid_rows()]


def messages_of(response) -> list[str]:
    return [str(message) for message in get_messages(response.wsgi_request)]


# -- who may import --------------------------------------------------------------------------------


@pytest.mark.parametrize("group", ["customer_service", "manager"])
def test_customer_service_and_managers_see_the_import_button(client, staff, group):
    client.force_login(getattr(staff, group))

    page = client.get(reverse(CHANGELIST)).content.decode()

    assert reverse(IMPORT) in page


def test_the_dock_sees_carrier_events_but_no_import_button(client, staff):
    client.force_login(staff.dock)

    response = client.get(reverse(CHANGELIST))

    assert response.status_code == 200 and reverse(IMPORT) not in response.content.decode()


@pytest.mark.parametrize("group", ["dock", "inspector", "finance"])
def test_an_import_by_anyone_else_is_refused_and_changes_nothing(client, staff, floor, group):
    client.force_login(getattr(staff, group))
    before = snapshot()

    upload = client.post(reverse(IMPORT), {"import_file": csv_upload(), "format": CSV_FORMAT})
    forged = client.post(reverse(CONFIRM), {"import_file_name": "x", "original_file_name": "x.csv",
                                            "format": CSV_FORMAT})

    assert (upload.status_code, forged.status_code) == (403, 403)
    assert snapshot() == before


def test_carrier_events_are_read_only_in_the_admin(client, staff):
    client.force_login(staff.manager)
    rma_services.record_carrier_event(tracking_number="JJD9999", event="in_transit",
                                      occurred_at=dt.datetime(2026, 11, 20, tzinfo=dt.UTC), actor=staff.manager)
    event = CarrierEvent.objects.get()

    page = client.get(reverse("admin:rma_carrierevent_change", args=[event.pk]))
    post = client.post(reverse("admin:rma_carrierevent_change", args=[event.pk]), {"outcome": "applied"})

    assert page.status_code == 200 and 'name="outcome"' not in page.content.decode()
    assert post.status_code == 403
    assert CarrierEvent.objects.get().outcome == CarrierEventOutcome.UNKNOWN_TRACKING


# -- preview ---------------------------------------------------------------------------------------


def test_the_preview_shows_what_each_row_will_do(client, staff, floor):
    client.force_login(staff.customer_service)

    response = preview(client, csv_upload())

    assert response.status_code == 200 and "confirm_form" in response.context
    assert preview_rows(response) == [
        ("JJD0001", CarrierEventOutcome.APPLIED),
        ("JJD1", CarrierEventOutcome.RECORDED),
        ("JJD9999", CarrierEventOutcome.UNKNOWN_TRACKING),
        ("JJD0003", CarrierEventOutcome.REFUSED),
    ]
    page = response.content.decode()
    assert "1 applied · 1 recorded · 1 refused · 1 unknown tracking" in page
    assert "No return has tracking number JJD9999" in page


def test_the_preview_changes_nothing(client, staff, floor):
    client.force_login(staff.customer_service)
    before = snapshot()

    preview(client, csv_upload())

    assert snapshot() == before


def test_the_preview_offers_csv_and_xlsx_and_names_the_columns(client, staff):
    client.force_login(staff.customer_service)

    page = client.get(reverse(IMPORT)).content.decode()

    assert ">csv<" in page and ">xlsx<" in page
    assert "tracking_number, event, time, carrier, description" in page


# -- confirm ---------------------------------------------------------------------------------------


def test_confirming_applies_every_row_through_the_service(client, staff, floor):
    client.force_login(staff.customer_service)

    confirm(client, preview(client, csv_upload()))

    assert fresh(floor["authorized"]).state == ReturnState.IN_TRANSIT
    assert fresh(floor["in_transit"]).state == ReturnState.IN_TRANSIT
    assert fresh(floor["cancelled"]).state == ReturnState.CANCELLED
    outcomes = dict(CarrierEvent.objects.values_list("tracking_number", "outcome"))
    assert outcomes == {"JJD0001": "applied", "JJD1": "recorded", "JJD9999": "unknown_tracking",
                        "JJD0003": "refused"}
    assert set(CarrierEvent.objects.values_list("imported_by", flat=True)) == {staff.customer_service.pk}
    assert fresh(floor["authorized"]).events.get(action="ship").actor == staff.customer_service


def test_times_are_read_with_their_offset_and_without_one_as_utc(client, staff, floor):
    client.force_login(staff.customer_service)

    confirm(client, preview(client, csv_upload()))

    times = dict(CarrierEvent.objects.values_list("tracking_number", "occurred_at"))
    assert times["JJD0001"] == dt.datetime(2026, 11, 20, 9, 15, tzinfo=dt.UTC)
    assert times["JJD9999"] == dt.datetime(2026, 11, 20, 12, 30, tzinfo=dt.UTC)


def test_after_the_import_unknown_tracking_numbers_are_listed_and_shown_filtered(client, staff, floor):
    client.force_login(staff.customer_service)

    response = confirm(client, preview(client, csv_upload()))

    assert response.status_code == 302
    assert "outcome__exact=unknown_tracking" in response.url
    listed = client.get(response.url)
    assert listed.status_code == 200
    assert [event.tracking_number for event in listed.context["cl"].result_list] == ["JJD9999"]
    text = " ".join(messages_of(listed))
    assert "No return has these tracking numbers" in text and "JJD9999" in text
    assert "1 applied, 1 recorded, 1 refused, 1 unknown tracking" in text
    assert "Refused, JJD0003: Return" in text


def test_a_file_without_unknown_numbers_returns_to_the_whole_list(client, staff, floor):
    client.force_login(staff.customer_service)

    response = confirm(client, preview(client, csv_upload(CARRIER_FILE.split("JJD9999")[0].rsplit("\n", 1)[0]
                                                          + "\n")))

    assert response.url == reverse(CHANGELIST)


def test_an_xlsx_file_is_imported_too(client, staff):
    rma = labelled_return(staff, "1Z999AA10123456784")
    client.force_login(staff.manager)
    upload = xlsx_upload([
        ["tracking_number", "event", "time", "carrier"],
        ["1Z999AA10123456784", "ACCEPTED", dt.datetime(2026, 11, 20, 8, 0), "UPS"],
        ["1Z999AA10123456784", "exception", "2026-11-21T08:00:00-05:00", "UPS"],
    ])

    previewed = preview(client, upload, XLSX_FORMAT)
    confirm(client, previewed)

    assert preview_rows(previewed) == [("1Z999AA10123456784", "applied"), ("1Z999AA10123456784", "recorded")]
    assert fresh(rma).state == ReturnState.IN_TRANSIT
    assert sorted(CarrierEvent.objects.values_list("occurred_at", flat=True)) == [
        dt.datetime(2026, 11, 20, 8, 0, tzinfo=dt.UTC), dt.datetime(2026, 11, 21, 13, 0, tzinfo=dt.UTC),
    ]


def test_headers_are_read_whatever_their_case_and_formula_looking_cells_stay_text(client, staff):
    labelled_return(staff, "JJD0001")
    client.force_login(staff.customer_service)
    text = "Tracking_Number , EVENT,Time,Description\nJJD0001,exception,2026-11-20T10:00:00Z,=HYPERLINK(\"x\")\n"

    confirm(client, preview(client, csv_upload(text)))

    assert CarrierEvent.objects.get().description == '=HYPERLINK("x")'


# -- malformed files -------------------------------------------------------------------------------


def invalid_rows(response) -> list[tuple[int, dict]]:
    return [(row.number, row.field_specific_errors) for row in response.context["result"].invalid_rows]


def test_a_file_with_one_bad_row_is_refused_with_its_row_and_column_and_applies_nothing(client, staff, floor):
    client.force_login(staff.customer_service)
    text = CARRIER_FILE + ",in_transit,2026-11-20T14:00:00Z,DHL,\nJJD0001,delivered,yesterday noon,DHL,\n"
    before = snapshot()

    response = preview(client, csv_upload(text))

    assert "confirm_form" not in response.context
    assert invalid_rows(response) == [
        (6, {"tracking_number": ["This cell is empty."]}),
        (7, {"time": ["'yesterday noon' is not a time: write it as ISO 8601, e.g. 2026-11-20T10:15:00+01:00."]}),
    ]
    page = response.content.decode()
    assert "Nothing was imported: 2 problems" in page
    assert "<td>7</td><td><code>time</code></td><td>&#x27;yesterday noon&#x27; is not a time" in page
    assert snapshot() == before


def test_a_file_missing_a_required_column_names_it_on_the_header_row(client, staff, floor):
    client.force_login(staff.customer_service)
    text = "tracking_number,event,carrier\nJJD0001,picked_up,DHL\nJJD1,delivered,DHL\n"
    before = snapshot()

    response = preview(client, csv_upload(text))

    assert invalid_rows(response) == [(1, {"time": ["this required column is missing"]})]
    assert snapshot() == before


def test_a_row_that_fails_when_confirmed_rolls_the_whole_file_back(client, staff, floor):
    client.force_login(staff.customer_service)
    text = "tracking_number,event,time\nJJD1,delivered,2026-11-20T09:00:00Z\nJJD0001,picked_up,2026-11-20T10:00:00Z\n"
    previewed = preview(client, csv_upload(text))
    # Between the preview and the confirmation the return loses its carrier, which the row does not give.
    ReturnRequest.objects.filter(pk=floor["authorized"].pk).update(carrier="")
    before = snapshot()

    response = confirm(client, previewed)

    assert response.url == reverse(IMPORT)
    assert snapshot() == before
    assert "Nothing was imported" in " ".join(messages_of(client.get(response.url)))


# -- importing the same file again -----------------------------------------------------------------


def test_importing_the_same_file_again_records_nothing_new(client, staff, floor):
    client.force_login(staff.customer_service)
    confirm(client, preview(client, csv_upload()))
    before = snapshot()

    again = preview(client, csv_upload())
    confirm(client, again)

    assert snapshot() == before
    kinds = [row.import_type for row in again.context["result"].valid_rows()]
    assert kinds == ["skip", "skip", "update", "skip"]
    assert "3 already imported · 1 unknown tracking" in again.content.decode()


def test_importing_again_after_the_tracking_is_set_applies_the_unknown_event(client, staff, floor):
    client.force_login(staff.customer_service)
    confirm(client, preview(client, csv_upload()))
    late = labelled_return(staff, "JJD9999")

    confirm(client, preview(client, csv_upload()))

    assert fresh(late).state == ReturnState.IN_TRANSIT
    assert CarrierEvent.objects.get(tracking_number="JJD9999").outcome == CarrierEventOutcome.APPLIED
    assert CarrierEvent.objects.count() == 4
