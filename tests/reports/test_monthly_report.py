"""The monthly client report: a PDF a manager downloads or has emailed, and the cron job that emails them all."""

import datetime as dt
import io
import subprocess

import pytest
import time_machine
from django.contrib.messages import get_messages
from django.core import mail
from django.core.management import call_command
from django.urls import reverse

from core.errors import InvalidInput, PermissionRefused
from outbox.models import Message, MessageStatus
from reports import pdf, selectors, services
from reports.services import MONTHLY_REPORT
from rma.models import Client, OrderLine
from tests.reports.data import REPORT_NOW, march_returns
from tests.tools import pdf_page_texts, require_pdf_fonts, require_tool

MONTHLY = reverse("admin:reports_monthly")
MARCH = dt.date(2026, 3, 1)


def reports_in_outbox():
    # The returns of the data email their customers too: these tests are about the reports.
    return Message.objects.filter(type=MONTHLY_REPORT)


@pytest.fixture
def data(staff):
    return march_returns(staff)


@pytest.fixture
def manager(client, staff):
    client.force_login(staff.manager)
    return client


def alpha_march_pdf(data) -> bytes:
    with time_machine.travel(REPORT_NOW):
        return pdf.monthly_report_pdf(selectors.monthly_report(client=data.alpha, month=MARCH))


def test_the_pdf_states_the_client_the_month_the_headline_figures_and_the_top_skus(data, tmp_path):
    text = " ".join("\f".join(pdf_page_texts(alpha_march_pdf(data), tmp_path)).split())

    assert "Returns report, March 2026" in text
    assert "Alpha Apparel (alpha)" in text
    assert "Returns requested from 1 March to 31 March 2026" in text
    for figure in ["Returns 4", "Returned units 5", "Units sold 15", "Return rate 33.3%", "Refunds issued 140.00 EUR",
                   "Expected recovery value 52.00 EUR", "Median time to refund 53.5 hours (2.2 days)"]:
        assert figure in text
    assert "A-TEE A-TEE description 3 10 30.0% Size / fit 2, Changed mind 1" in text
    assert "A-JKT A-JKT description 2 5 40.0% Defective 1, Wrong item 1" in text
    assert "Returned units by reason" in text and "Disposition mix" in text and "Restock: 1 (33.3%)" in text


def test_names_in_any_script_print_as_written_in_embedded_fonts(data, tmp_path):
    require_pdf_fonts()
    data.alpha.name = "Zoë Łukasiewicz 王芳, Łódź"
    data.alpha.save(update_fields=["name"])
    OrderLine.objects.filter(order__client=data.alpha, sku="A-TEE").update(description="Футболка Ελλάδα 红色")
    report = alpha_march_pdf(data)

    text = " ".join("\f".join(pdf_page_texts(report, tmp_path)).split())

    assert "Zoë Łukasiewicz 王芳, Łódź (alpha)" in text
    assert "A-TEE Футболка Ελλάδα 红色 3 10 30.0%" in text
    source = tmp_path / "report.pdf"
    source.write_bytes(report)
    listing = subprocess.run([require_tool("pdffonts", package="poppler-utils"), str(source)],
                             capture_output=True, check=True, text=True).stdout.splitlines()[2:]
    assert listing and all(row.split()[-5] == "yes" for row in listing)  # every font embedded: none is Helvetica


def test_a_month_without_returns_still_makes_a_report(data, tmp_path):
    report = selectors.monthly_report(client=data.alpha, month=dt.date(2025, 1, 1))

    text = " ".join("\f".join(pdf_page_texts(pdf.monthly_report_pdf(report), tmp_path)).split())

    assert "Returns report, January 2025" in text and "Return rate no units sold" in text
    assert "No units were returned this month." in text


def test_a_manager_downloads_the_pdf(manager, data):
    response = manager.get(MONTHLY, {"client": data.alpha.pk, "month": "2026-03"})

    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == 'attachment; filename="returns-report-alpha-2026-03.pdf"'
    assert response.content.startswith(b"%PDF")


def test_the_download_needs_a_client_and_a_month(manager, data):
    assert manager.get(MONTHLY, {"client": data.alpha.pk, "month": "March"}).status_code == 400
    assert manager.get(MONTHLY, {"month": "2026-03"}).status_code == 400


@pytest.mark.parametrize("group", ["customer_service", "finance", "inspector", "dock"])
def test_only_managers_download_or_email_reports(client, staff, data, group):
    client.force_login(getattr(staff, group))

    assert client.get(MONTHLY, {"client": data.alpha.pk, "month": "2026-03"}).status_code == 403
    assert client.post(MONTHLY, {"client": data.alpha.pk, "month": "2026-03"}).status_code == 403
    with pytest.raises(PermissionRefused):
        services.email_monthly_report(client=data.alpha, month=MARCH, actor=getattr(staff, group))
    assert reports_in_outbox().count() == 0


def test_emailing_writes_one_outbox_row_and_sends_the_pdf_after_commit(
    manager, staff, data, django_capture_on_commit_callbacks,
):
    with time_machine.travel(REPORT_NOW), django_capture_on_commit_callbacks() as callbacks:
        response = manager.post(MONTHLY, {"client": data.alpha.pk, "month": "2026-03"})

    email = reports_in_outbox().get()
    assert (email.destination, email.status, email.created_by) == (
        "returns@alpha.example", MessageStatus.PENDING, staff.manager,
    )
    assert mail.outbox == []
    assert response.status_code == 302 and response["Location"].endswith("#monthly-report")
    assert [str(message) for message in get_messages(response.wsgi_request)] == [
        "The March 2026 report of Alpha Apparel goes to returns@alpha.example (see Emailed reports)."
    ]

    for callback in callbacks:
        callback()

    [message] = mail.outbox
    assert message.to == ["returns@alpha.example"]
    assert message.subject == "Returns report for March 2026: Alpha Apparel"
    assert "Return rate: 33.3%" in message.body and "Refunds issued: 140.00 EUR" in message.body
    [(name, content, mimetype)] = message.attachments
    assert (name, mimetype) == ("returns-report-alpha-2026-03.pdf", "application/pdf")
    assert content.startswith(b"%PDF") and content == bytes(email.attachment)
    assert reports_in_outbox().get().status == MessageStatus.DELIVERED


def test_a_client_without_a_contact_email_cannot_be_emailed(manager, staff, data):
    Client.objects.filter(pk=data.beta.pk).update(contact_email="")

    response = manager.post(MONTHLY, {"client": data.beta.pk, "month": "2026-03"}, follow=True)

    assert "Beta Electronics has no contact email: add one to the client first." in response.content.decode()
    assert reports_in_outbox().count() == 0
    with pytest.raises(InvalidInput):
        services.email_monthly_report(client=Client.objects.get(pk=data.beta.pk), month=MARCH, actor=staff.manager)


def test_the_page_lists_the_emailed_reports(manager, staff, data):
    services.email_monthly_report(client=data.alpha, month=MARCH, actor=staff.manager)

    page = manager.get(reverse("admin:reports")).content.decode()

    assert 'id="emailed-reports"' in page and "Returns report for March 2026: Alpha Apparel" in page
    assert 'name="month" value="' in page and 'id="download_month"' in page and 'id="email_month"' in page


def test_the_monthly_job_emails_every_active_client_last_month_once(data, django_capture_on_commit_callbacks):
    Client.objects.filter(pk=data.beta.pk).update(contact_email="")
    inactive = Client.objects.create(code="gone", name="Gone Ltd", contact_email="x@gone.example",
                                     default_warehouse=data.alpha.default_warehouse, is_active=False)
    first, again = io.StringIO(), io.StringIO()

    with time_machine.travel(dt.datetime(2026, 4, 3, 6, tzinfo=dt.UTC)), \
            django_capture_on_commit_callbacks(execute=True):
        call_command("send_monthly_reports", stdout=first)
        call_command("send_monthly_reports", stdout=again)

    assert first.getvalue().splitlines() == [
        "alpha: March 2026 report queued for returns@alpha.example",
        "beta: no contact email, nothing sent",
    ]
    assert again.getvalue().splitlines()[0] == "alpha: March 2026 report already in the outbox (pending)"
    assert [message.subject for message in mail.outbox] == ["Returns report for March 2026: Alpha Apparel"]
    assert reports_in_outbox().get().idempotency_key == f"monthly-report:{data.alpha.pk}:2026-03"
    assert not reports_in_outbox().filter(owner=f"rma.client:{inactive.pk}").exists()


def test_the_monthly_job_takes_a_month(data):
    out = io.StringIO()

    call_command("send_monthly_reports", "--month", "2026-02", stdout=out)

    assert out.getvalue().splitlines()[0] == "alpha: February 2026 report queued for returns@alpha.example"
    assert "February 2026" in reports_in_outbox().get(owner=f"rma.client:{data.alpha.pk}").payload["subject"]
