"""The return's page shows the RAN's barcode as inline SVG, and the customer's label link to copy into an email."""

import re

import pytest
from django.urls import reverse

from rma import labels
from rma.models import ReturnState
from tests.factories import return_in_state


def page_of(rma) -> str:
    return reverse("admin:rma_returnrequest_change", args=[rma.pk])


def preview_of(page: str) -> str:
    return re.search(r'<figure class="ran-barcode".*?</figure>', page, re.S).group(0)


def test_the_page_shows_the_rans_code128_as_inline_svg(client, staff):
    rma = return_in_state(ReturnState.AUTHORIZED, staff=staff)
    client.force_login(staff.dock)

    preview = preview_of(client.get(page_of(rma)).content.decode())

    assert preview.count("<svg") == 1 and preview.count('style="fill:black;"') > 20
    assert "<?xml" not in preview and "<!DOCTYPE" not in preview and "<script" not in preview
    assert f"<figcaption>{rma.ran}</figcaption>" in preview



@pytest.mark.parametrize("code", ['RA-0000-0000-0"><script>alert(1)</script>', "RA-0000-0000-1", ""])
def test_only_a_well_formed_ran_is_drawn(code):
    with pytest.raises(ValueError, match="is not a printed RAN"):
        labels.ran_barcode_svg(code)


def test_the_page_offers_the_customers_label_link_to_copy(client, staff):
    rma = return_in_state(ReturnState.AUTHORIZED, staff=staff)
    client.force_login(staff.customer_service)

    page = client.get(page_of(rma)).content.decode()

    link = re.search(r'id="customer-label-url"[^>]*value="([^"]+)"', page).group(1)
    assert link.startswith("http://testserver/labels/")
    client.logout()
    assert client.get(link).status_code == 200


def test_no_customer_link_once_the_return_no_longer_awaits_its_parcel(client, staff):
    rma = return_in_state(ReturnState.RECEIVED, staff=staff)
    client.force_login(staff.customer_service)

    page = client.get(page_of(rma)).content.decode()

    assert 'id="ran-barcode"' in page and 'id="customer-label-url"' not in page
    assert "/labels/" not in page

