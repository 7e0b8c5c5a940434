"""Printing one return's label from its page: 4×6, A4, Letter and ZPL, for those who print labels."""

import pytest
from django.urls import reverse

from rma.models import Customer, ReturnState
from tests.factories import requested_return, return_in_state
from tests.tools import barcodes_on_pages, pdf_page_texts


def label_url(rma, label_format: str) -> str:
    return reverse("admin:rma_returnrequest_label", args=[rma.pk, label_format])


def page_of(rma) -> str:
    return reverse("admin:rma_returnrequest_change", args=[rma.pk])


@pytest.mark.parametrize("label_format", ["4x6", "a4", "letter"])
@pytest.mark.parametrize("group", ["customer_service", "dock", "manager"])
def test_label_pdf_prints_for_those_who_print_labels(client, staff, tmp_path, group, label_format):
    rma = return_in_state(ReturnState.AUTHORIZED, staff=staff)
    client.force_login(getattr(staff, group))

    response = client.get(label_url(rma, label_format))

    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == f'inline; filename="{rma.ran}-{label_format}.pdf"'
    assert barcodes_on_pages(response.content, tmp_path) == [[rma.ran], [rma.ran]]
    assert "PACKING SLIP" in pdf_page_texts(response.content, tmp_path)[1]


@pytest.mark.parametrize("label_format", ["4x6", "a4"])
def test_the_label_alone_prints_without_its_packing_slip(client, staff, tmp_path, label_format):
    rma = return_in_state(ReturnState.AUTHORIZED, staff=staff)
    client.force_login(staff.dock)

    page = client.get(page_of(rma)).content.decode()
    response = client.get(label_url(rma, label_format) + "?slip=no")

    assert f'href="{label_url(rma, label_format)}?slip=no"' in page
    assert barcodes_on_pages(response.content, tmp_path) == [[rma.ran]]
    assert "PACKING SLIP" not in pdf_page_texts(response.content, tmp_path)[0]


def test_an_unknown_slip_choice_is_a_clear_400(client, staff):
    rma = return_in_state(ReturnState.AUTHORIZED, staff=staff)
    client.force_login(staff.dock)

    response = client.get(label_url(rma, "4x6") + "?slip=maybe")

    assert response.status_code == 400 and b"slip=no" in response.content


def test_zpl_label_downloads_beside_the_pdf(client, staff):
    rma = return_in_state(ReturnState.AUTHORIZED, staff=staff)
    client.force_login(staff.dock)

    response = client.get(label_url(rma, "zpl"))

    zpl = response.content.decode()
    assert response.status_code == 200 and response["Content-Type"].startswith("text/plain")
    assert response["Content-Disposition"] == f'attachment; filename="{rma.ran}.zpl"'
    assert zpl.startswith("^XA") and f"^FD{rma.ran}^FS" in zpl


def test_the_page_links_every_label_format_and_opens_the_pdfs_in_a_new_tab(client, staff):
    rma = return_in_state(ReturnState.AUTHORIZED, staff=staff)
    client.force_login(staff.dock)

    page = client.get(page_of(rma)).content.decode()

    # The return's page stays open behind a PDF; the ZPL file downloads.
    for label_format, text in [("4x6", "Label 4×6 (PDF)"), ("a4", "A4"), ("letter", "Letter")]:
        assert f'href="{label_url(rma, label_format)}" target="_blank" rel="noopener">{text}</a>' in page
    assert f'href="{label_url(rma, "zpl")}">ZPL</a>' in page


@pytest.mark.parametrize(("country", "paper"), [("US", "Letter"), ("CA", "Letter"), ("PH", "Letter"), ("DE", "A4"),
                                                ("JP", "A4")])
def test_the_customers_link_says_the_paper_of_their_countrys_home_printers_with_a_copy_button(
        client, staff, country, paper):
    rma = return_in_state(ReturnState.AUTHORIZED, staff=staff)
    Customer.objects.filter(pk=rma.customer_id).update(country=country)
    client.force_login(staff.customer_service)

    page = client.get(page_of(rma)).content.decode()

    assert f"it prints on {paper} paper, for a home printer in {country}" in page
    assert 'data-copy="customer-label-url">Copy</button>' in page and 'role="status"' in page


def test_an_expired_return_says_since_when_its_ran_is_expired_and_offers_no_customer_link(client, staff):
    rma = return_in_state(ReturnState.EXPIRED, staff=staff)
    client.force_login(staff.customer_service)

    page = client.get(page_of(rma)).content.decode()

    assert "<dt>RAN expired</dt>" in page and "RAN valid until" not in page
    assert 'id="customer-label-url"' not in page


@pytest.mark.parametrize("group", ["inspector", "finance"])
def test_those_who_do_not_print_labels_get_no_links_and_a_403(client, staff, group):
    rma = return_in_state(ReturnState.AUTHORIZED, staff=staff)
    client.force_login(getattr(staff, group))

    page = client.get(page_of(rma)).content.decode()

    assert label_url(rma, "4x6") not in page and 'id="panel-label"' not in page
    for label_format in ("4x6", "a4", "letter", "zpl"):
        assert client.get(label_url(rma, label_format)).status_code == 403


def test_a_return_without_a_ran_has_no_label_links_and_says_why(client, staff):
    rma = requested_return(staff=staff)
    client.force_login(staff.customer_service)

    page = client.get(page_of(rma)).content.decode()
    response = client.get(label_url(rma, "4x6"))

    assert 'id="panel-label"' not in page
    assert response.status_code == 404
    assert "has no RAN yet: authorize it first" in response.content.decode()


def test_an_unknown_format_or_return_is_not_found(client, staff):
    rma = return_in_state(ReturnState.AUTHORIZED, staff=staff)
    client.force_login(staff.dock)

    assert client.get(label_url(rma, "png")).status_code == 404
    assert client.get(reverse("admin:rma_returnrequest_label", args=[rma.pk + 1000, "4x6"])).status_code == 404
