"""The return label PDF: what the label and its packing slip say, on 4×6, A4 and Letter, as a reader sees it."""

import datetime as dt
import logging
import subprocess
from decimal import Decimal

import pytest
import time_machine

from core.pdf_fonts import pdf_fonts
from rma import labels, selectors
from rma import ran as ran_codes
from rma import services as rma_services
from rma.models import Customer, ReturnState, Warehouse
from tests.factories import (
    WarehouseFactory,
    WarehouseRouteFactory,
    client_with_policy,
    order_for,
    requested_return,
    return_in_state,
)
from tests.tools import pdf_page_texts, require_pdf_fonts, require_tool

PAPERS = ["4x6", "a4", "letter"]


def pdf_of(*returns, paper: str = "4x6", packing_slips: bool = True) -> bytes:
    return labels.render_labels_pdf(selectors.returns_for_labels(pks=[rma.pk for rma in returns]), paper=paper,
                                    packing_slips=packing_slips)


def words(text: str) -> str:
    """Page text with runs of spaces (pdftotext's layout) squeezed, so phrases can be looked for."""
    return " ".join(text.split())


@pytest.mark.parametrize("paper", PAPERS)
def test_label_ships_to_the_warehouse_the_return_was_routed_to(staff, tmp_path, paper):
    merchant = client_with_policy(auto_authorize=False)
    WarehouseRouteFactory(client=merchant, country="DE", warehouse=WarehouseFactory(
        code="vie1", name="Wien Returns Hub", address_line1="Industriestraße 3", postal_code="1220", city="Wien",
        country="AT",
    ))
    rma = return_in_state(ReturnState.AUTHORIZED, staff=staff, client=merchant)

    label = words(pdf_page_texts(pdf_of(rma, paper=paper), tmp_path)[0])

    assert "SHIP TO Wien Returns Hub Industriestraße 3 1220 Wien AT" in label
    assert merchant.default_warehouse.name not in label


@pytest.mark.parametrize("paper", PAPERS)
def test_label_names_ship_to_ship_from_client_and_units(staff, tmp_path, paper):
    rma = return_in_state(ReturnState.AUTHORIZED, staff=staff, units=3)
    Warehouse.objects.filter(pk=rma.client.default_warehouse_id).update(
        name="Leipzig Returns Hub", address_line1="Am Lagerplatz 7", postal_code="04109", city="Leipzig",
    )
    Customer.objects.filter(pk=rma.customer_id).update(
        name="Erika Mustermann", address_line1="Heidestraße 17", postal_code="51147", city="Köln",
    )

    label = words(pdf_page_texts(pdf_of(rma, paper=paper), tmp_path)[0])

    assert "SHIP TO Leipzig Returns Hub Am Lagerplatz 7 04109 Leipzig DE" in label
    assert "FROM Erika Mustermann Heidestraße 17 51147 Köln DE" in label
    assert f"Client: {rma.client.name}" in label and f"Order: {rma.order.number}" in label
    assert "Units: 3" in label
    assert rma.ran in label


def test_expiry_is_printed_in_the_clients_time_zone(staff, tmp_path):
    rma = requested_return(staff=staff, ran_validity_days=10)
    # 22:30 UTC on the 11th is already the 12th in Berlin.
    with time_machine.travel(dt.datetime(2025, 6, 1, 22, 30, tzinfo=dt.UTC), tick=False):
        rma = rma_services.authorize_return(rma=rma, actor=staff.customer_service)

    with time_machine.travel(dt.datetime(2025, 6, 2, 9, 0, tzinfo=dt.UTC), tick=False):
        label = words(pdf_page_texts(pdf_of(rma), tmp_path)[0])

    assert rma.client.time_zone == "Europe/Berlin"
    assert "Valid until 2025-06-12 00:30 CEST" in label


def test_carrier_and_tracking_are_printed_when_known(staff, tmp_path):
    shipped = return_in_state(ReturnState.IN_TRANSIT, staff=staff)
    not_yet = return_in_state(ReturnState.AUTHORIZED, staff=staff)

    shipped_label, _, unshipped_label, _ = map(words, pdf_page_texts(pdf_of(shipped, not_yet), tmp_path))

    assert "Carrier: DHL" in shipped_label and "Tracking: JJD1" in shipped_label
    assert "Tracking" not in unshipped_label and "Carrier" not in unshipped_label


@pytest.mark.parametrize("paper", PAPERS)
def test_without_packing_slips_each_return_is_one_label_page(staff, tmp_path, paper):
    returns = [return_in_state(ReturnState.AUTHORIZED, staff=staff) for _ in range(3)]

    pages = [words(text) for text in pdf_page_texts(pdf_of(*returns, paper=paper, packing_slips=False), tmp_path)]

    assert len(pages) == 3
    for page, rma in zip(pages, returns, strict=True):
        assert page.startswith("RETURN") and rma.ran in page and "PACKING SLIP" not in page
    if paper != "4x6":
        assert "next page" not in pages[0]


@pytest.mark.parametrize("paper", PAPERS)
def test_each_return_is_a_label_page_then_its_packing_slip(staff, tmp_path, paper):
    returns = [return_in_state(ReturnState.AUTHORIZED, staff=staff) for _ in range(3)]

    pages = [words(text) for text in pdf_page_texts(pdf_of(*returns, paper=paper), tmp_path)]

    assert len(pages) == 6
    for number, rma in enumerate(returns):
        label, slip = pages[2 * number], pages[2 * number + 1]
        assert label.startswith("RETURN") and rma.ran in label
        assert slip.startswith(f"PACKING SLIP {rma.ran}")


def test_packing_slip_lists_units_with_the_clients_instructions_and_standard_advice(staff, tmp_path):
    merchant = client_with_policy(auto_authorize=True, packing_instructions="Pack shoes in their box.\nNo tape on it.")
    order = order_for(merchant, lines=2, quantity=2)
    first, second = order.lines.order_by("line_number")
    type(second).objects.filter(pk=second.pk).update(sku="JKT-RED-M", description="Rain jacket, red")
    rma = rma_services.create_return_request(
        order=order, channel="phone", actor=staff.customer_service,
        items=[{"order_line": first, "quantity": 2, "reason": "size_fit"},
               {"order_line": second, "quantity": 1, "reason": "defective"}],
    )

    slip = words(pdf_page_texts(pdf_of(rma), tmp_path)[1])

    assert f"2 {first.sku} Trail running shoe Size / fit" in slip
    assert "1 JKT-RED-M Rain jacket, red Defective" in slip
    assert "• Pack shoes in their box. • No tape on it." in slip
    assert "accessory, manual" in slip and "original packaging" in slip


def test_slip_says_the_customer_pays_shipping_and_the_fee_when_every_reason_carries_it(staff, tmp_path):
    rma = return_in_state(ReturnState.AUTHORIZED, staff=staff, reason="changed_mind",
                          customer_pays_shipping_reasons=["changed_mind", "size_fit"],
                          return_shipping_fee=Decimal("4.95"))

    slip = words(pdf_page_texts(pdf_of(rma), tmp_path)[1])

    assert "Return shipping is paid by you: 4.95 EUR will be deducted from your refund." in slip


def test_slip_says_the_client_prepays_shipping_when_one_reason_does_not_carry_the_fee(staff, tmp_path):
    merchant = client_with_policy(auto_authorize=True, customer_pays_shipping_reasons=["changed_mind"],
                                  return_shipping_fee=Decimal("4.95"))
    order = order_for(merchant, lines=2)
    first, second = order.lines.order_by("line_number")
    rma = rma_services.create_return_request(
        order=order, channel="phone", actor=staff.customer_service,
        items=[{"order_line": first, "quantity": 1, "reason": "changed_mind"},
               {"order_line": second, "quantity": 1, "reason": "defective"}],
    )

    slip = words(pdf_page_texts(pdf_of(rma), tmp_path)[1])

    assert f"Return shipping is prepaid by {merchant.name}." in slip
    assert "paid by you" not in slip


@pytest.mark.parametrize(("paper", "shown"), [("4x6", 18), ("a4", 25), ("letter", 25)])
def test_slip_lines_that_do_not_fit_are_counted_not_drawn_over(staff, tmp_path, paper, shown):
    merchant = client_with_policy(auto_authorize=True)
    order = order_for(merchant, lines=25, quantity=1)
    rma = rma_services.create_return_request(
        order=order, channel="phone", actor=staff.customer_service,
        items=[{"order_line": line, "quantity": 1, "reason": "defective"} for line in order.lines.all()],
    )

    pages = pdf_page_texts(pdf_of(rma, paper=paper), tmp_path)

    assert len(pages) == 2
    slip = words(pages[1])
    assert slip.count("Trail running shoe") == shown
    assert ("… and 7 more lines, 7 units" in slip) == (shown < 25)
    assert "Return shipping is prepaid" in slip


@pytest.mark.parametrize("paper", PAPERS)
def test_names_and_addresses_in_any_script_print_as_written(staff, tmp_path, paper):
    require_pdf_fonts()
    rma = return_in_state(ReturnState.AUTHORIZED, staff=staff)
    Customer.objects.filter(pk=rma.customer_id).update(
        name="Zoë Łukasiewicz 王芳", address_line1="ул. Пушкина 10", address_line2="Οδός Αθηνάς 5",
        city="Łódź", region="東京都",
    )
    Warehouse.objects.filter(pk=rma.warehouse_id).update(name="Kraków Zwroty", city="Świebodzin")

    label, slip = map(words, pdf_page_texts(pdf_of(rma, paper=paper), tmp_path))

    assert "FROM Zoë Łukasiewicz 王芳 ул. Пушкина 10 Οδός Αθηνάς 5 20095 Łódź 東京都 DE" in label
    assert "SHIP TO Kraków Zwroty 1 Dock Road 04109 Świebodzin DE" in label
    assert "From: Zoë Łukasiewicz 王芳" in slip


def test_every_font_of_the_label_is_embedded(staff, tmp_path):
    require_pdf_fonts()
    pdffonts = require_tool("pdffonts", package="poppler-utils")
    rma = return_in_state(ReturnState.AUTHORIZED, staff=staff)
    Customer.objects.filter(pk=rma.customer_id).update(name="王芳")
    source = tmp_path / "label.pdf"
    source.write_bytes(pdf_of(rma))

    # name, type, encoding, emb, sub, uni, object ID: a reader without our fonts shows the same letters.
    rows = subprocess.run([pdffonts, str(source)], capture_output=True, check=True, text=True).stdout.splitlines()[2:]

    embedded = {row.split()[0].split("+")[-1]: row.split()[-5] for row in rows}
    assert set(embedded.values()) == {"yes"}, embedded
    assert len(embedded) == 3  # regular, bold and CJK: no Helvetica anywhere


def test_an_expired_ran_is_printed_as_expired_never_valid_until_a_date_to_come(staff, tmp_path):
    rma = return_in_state(ReturnState.AUTHORIZED, staff=staff)
    today = rma.authorization_expires_at - dt.timedelta(days=3)
    with time_machine.travel(today, tick=False):
        # The job was run for a moment past the RAN's validity: the return expires today, before that date.
        rma_services.expire_authorizations(now=rma.authorization_expires_at + dt.timedelta(seconds=1))
        label = words(pdf_page_texts(pdf_of(rma), tmp_path)[0])

    assert "Valid until" not in label
    assert f"RAN expired {today.astimezone(rma.client.zone):%Y-%m-%d %H:%M}" in label


def test_a_ran_past_its_validity_reads_expired_before_the_job_expires_it(staff, tmp_path):
    rma = return_in_state(ReturnState.AUTHORIZED, staff=staff)

    with time_machine.travel(rma.authorization_expires_at + dt.timedelta(minutes=5), tick=False):
        label = words(pdf_page_texts(pdf_of(rma), tmp_path)[0])

    expires = rma.authorization_expires_at.astimezone(rma.client.zone)
    assert f"RAN expired {expires:%Y-%m-%d %H:%M}" in label and "Valid until" not in label


@pytest.fixture
def fonts_missing(settings, tmp_path):
    settings.PDF_FONT_REGULAR = str(tmp_path / "no-such-font.ttf")
    settings.PDF_FONT_CJK = str(tmp_path / "no-such-cjk.ttc")
    pdf_fonts.cache_clear()
    yield
    pdf_fonts.cache_clear()


def test_without_the_fonts_labels_still_print_in_helvetica_and_the_log_says_so_once(staff, tmp_path, caplog,
                                                                                      fonts_missing):
    rma = return_in_state(ReturnState.AUTHORIZED, staff=staff)
    Customer.objects.filter(pk=rma.customer_id).update(name="Łukasz Żółć 王芳", city="Łódź")

    with caplog.at_level(logging.WARNING, logger="core.pdf_fonts"):
        pdf_of(rma)
        label = words(pdf_page_texts(pdf_of(rma), tmp_path)[0])

    assert "Lukasz Zólc ??" in label and "Lódz" in label
    warnings = [record.getMessage() for record in caplog.records if record.name == "core.pdf_fonts"]
    assert len(warnings) == 1 and "fonts-dejavu-core" in warnings[0]


@pytest.mark.parametrize("paper", PAPERS)
@pytest.mark.parametrize("payload", ["WWMMWWMM", "VFGCB4QM"], ids=["widest", "fits-to-a-hair"])
def test_a_ran_prints_whole_on_every_paper(staff, tmp_path, paper, payload):
    """The slip's heading shrinks the type to fit, and never cuts the RAN short: not the widest one (W and M),
    nor one whose exact shrink comes out a hair too wide in floating point (RA-VFGC-B4QM-C did)."""
    rma = return_in_state(ReturnState.AUTHORIZED, staff=staff)
    widest = ran_codes.format_ran(payload + ran_codes.check_symbol(payload))
    type(rma).objects.filter(pk=rma.pk).update(ran=widest)

    label, slip = (words(text) for text in pdf_page_texts(pdf_of(type(rma).objects.get(pk=rma.pk), paper=paper),
                                                          tmp_path))

    assert widest in label and slip.startswith(f"PACKING SLIP {widest}")
