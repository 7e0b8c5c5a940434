"""The customer's emails link to the return's page on the client's portal, in the customer's language."""

import re

import pytest
from django.test import Client as Browser

from outbox.models import Message
from rma import customer_emails
from rma import services as rma_services
from rma.models import ReturnRequest
from tests.portal.conftest import look_up, url

pytestmark = pytest.mark.django_db

PUBLIC = "https://returns.example.com"


@pytest.fixture(autouse=True)
def public_base_url(settings):
    settings.PUBLIC_BASE_URL = PUBLIC


def email(rma: ReturnRequest, kind: str) -> Message:
    return Message.objects.get(type=customer_emails.email_type(kind), owner=f"rma.return:{rma.pk}")


def submitted(order) -> ReturnRequest:
    browser = Browser()
    look_up(browser, order)
    line = order.lines.get(line_number=1)
    browser.post(url("order", order.client), {
        f"unit-{line.pk}-1-return": "on", f"unit-{line.pk}-1-reason": "size_fit", "refund_method": "original_payment",
    }, headers={"accept-language": "de"})
    return ReturnRequest.objects.get()


def test_the_authorized_and_received_emails_link_to_the_portals_status_page(order, staff):
    rma = submitted(order)
    rma_services.receive_scan(code=rma.ran, actor=staff.dock)

    for kind in (customer_emails.AUTHORIZED, customer_emails.RECEIVED):
        payload = email(rma, kind).payload
        link = f"{PUBLIC}{url('status', order.client)}?ran={rma.ran}"
        assert f"Rücksendung verfolgen: {link}" in payload["body"]
        assert f'href="{link}"' in payload["html"]


def test_the_link_opens_the_status_form_with_the_ran_filled_in(order):
    rma = submitted(order)
    link = re.search(rf"{PUBLIC}(\S+)", email(rma, customer_emails.AUTHORIZED).payload["body"].split("verfolgen:")[1])

    page = Browser().get(link.group(1)).content.decode()

    assert f'value="{rma.ran}"' in page
