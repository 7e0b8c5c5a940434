"""The customer's label link: signed and expiring, served without a login, refused once it may not be used."""

import datetime as dt
import subprocess

import pytest
import time_machine
from django.core import signing

from rma import selectors
from rma import services as rma_services
from rma.models import Customer, ReturnState
from tests.factories import return_in_state
from tests.tools import pdf_page_texts, require_tool

SECOND = dt.timedelta(seconds=1)


def test_the_link_serves_the_label_without_a_login(client, staff, tmp_path):
    rma = return_in_state(ReturnState.AUTHORIZED, staff=staff)

    response = client.get(selectors.label_url_for(rma))

    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert "no-store" in response["Cache-Control"]
    label, slip = pdf_page_texts(response.content, tmp_path)
    assert rma.ran in label and "PACKING SLIP" in slip


@pytest.mark.parametrize("paper", ["4x6", "a4", "letter"])
def test_the_link_serves_any_paper_on_request(client, staff, paper):
    rma = return_in_state(ReturnState.IN_TRANSIT, staff=staff)

    response = client.get(selectors.label_url_for(rma), {"format": paper})

    assert response.status_code == 200 and f'filename="{rma.ran}-{paper}.pdf"' in response["Content-Disposition"]


def page_size_of(pdf: bytes, tmp_path) -> str:
    source = tmp_path / "label.pdf"
    source.write_bytes(pdf)
    info = subprocess.run([require_tool("pdfinfo", package="poppler-utils"), str(source)], capture_output=True,
                          check=True, text=True).stdout
    return next(line.split(":", 1)[1].strip() for line in info.splitlines() if line.startswith("Page size"))


@pytest.mark.parametrize(("country", "paper", "size"), [
    ("US", "letter", "612 x 792 pts (letter)"), ("mx", "letter", "612 x 792 pts (letter)"),
    ("DE", "a4", "595.276 x 841.89 pts (A4)"), ("", "a4", "595.276 x 841.89 pts (A4)"),
])
def test_the_link_prints_on_the_paper_of_home_printers_in_the_customers_country(client, staff, tmp_path, country,
                                                                                 paper, size):
    rma = return_in_state(ReturnState.AUTHORIZED, staff=staff)
    Customer.objects.filter(pk=rma.customer_id).update(country=country)

    response = client.get(selectors.label_url_for(rma))

    assert response.status_code == 200 and f'filename="{rma.ran}-{paper}.pdf"' in response["Content-Disposition"]
    assert page_size_of(response.content, tmp_path) == size


def test_an_unknown_paper_is_a_clear_400(client, staff):
    rma = return_in_state(ReturnState.AUTHORIZED, staff=staff)

    response = client.get(selectors.label_url_for(rma), {"format": "a3"})

    assert response.status_code == 400 and "use 4x6, a4 or letter" in response.content.decode()


def test_the_link_names_neither_the_ran_nor_the_return(staff):
    rma = return_in_state(ReturnState.AUTHORIZED, staff=staff)

    url = selectors.label_url_for(rma)

    assert url.startswith("/labels/") and rma.ran not in url and f"/{rma.pk}/" not in url


def test_a_tampered_token_is_not_found(client, staff):
    rma = return_in_state(ReturnState.AUTHORIZED, staff=staff)
    other = return_in_state(ReturnState.AUTHORIZED, staff=staff)
    token = selectors.label_url_for(rma).split("/")[2]
    signature = token.split(":", 1)[1]
    forged = signing.b64_encode(f'{{"rma":{other.pk},"ran":"{other.ran}","until":9e12}}'.encode()).decode()

    for bad in (f"{forged}:{signature}", token[:-1] + ("A" if token[-1] != "A" else "B"), "nonsense"):
        response = client.get(f"/labels/{bad}/")
        assert response.status_code == 404, bad
        assert other.ran not in response.content.decode()


def test_a_token_signed_for_something_else_is_not_found(client, staff):
    rma = return_in_state(ReturnState.AUTHORIZED, staff=staff)
    token = signing.dumps({"rma": rma.pk, "ran": rma.ran, "until": 9e12})  # the default salt, not the label's

    assert client.get(f"/labels/{token}/").status_code == 404


def test_the_link_works_to_the_last_moment_of_the_ran_and_is_gone_after(client, staff):
    rma = return_in_state(ReturnState.AUTHORIZED, staff=staff)
    url = selectors.label_url_for(rma)

    with time_machine.travel(rma.authorization_expires_at, tick=False):
        last_moment = client.get(url)
    with time_machine.travel(rma.authorization_expires_at + SECOND, tick=False):
        after = client.get(url)

    assert last_moment.status_code == 200
    assert after.status_code == 410 and "no longer valid" in after.content.decode()


def test_the_link_lasts_no_longer_than_the_policys_ran_validity(client, staff):
    rma = return_in_state(ReturnState.AUTHORIZED, staff=staff, ran_validity_days=10)
    # However the RAN's expiry came to be later, the link keeps to the policy's 10 days.
    type(rma).objects.filter(pk=rma.pk).update(authorization_expires_at=rma.authorized_at + dt.timedelta(days=90))
    rma.refresh_from_db()
    with time_machine.travel(rma.authorized_at, tick=False):
        url = selectors.label_url_for(rma)

    with time_machine.travel(rma.authorized_at + dt.timedelta(days=10) + SECOND, tick=False):
        response = client.get(url)

    assert response.status_code == 410


def cancel(rma, staff):
    rma_services.cancel_return(rma=rma, actor=staff.customer_service, reason="Customer kept it")


def expire(rma, staff):
    rma_services.expire_authorizations(now=rma.authorization_expires_at + SECOND)


def receive(rma, staff):
    rma_services.receive_scan(code=rma.ran, actor=staff.dock)


@pytest.mark.parametrize("move_on", [cancel, expire, receive])
def test_a_return_that_no_longer_awaits_its_parcel_is_refused(client, staff, move_on):
    rma = return_in_state(ReturnState.AUTHORIZED, staff=staff)
    url = selectors.label_url_for(rma)

    move_on(rma, staff)
    response = client.get(url)

    assert response.status_code == 410
    assert rma.ran not in response.content.decode()
