"""Exporting needs its own permission (reports.export_data: managers and finance) and the list itself."""

import pytest

from rma.models import ReturnState
from tests.factories import return_in_state
from tests.reports.exports import EXPORTS, admin_url, request_export

EXPORT_BUTTON = 'class="export_link"'


@pytest.fixture
def dispositioned(staff):
    return return_in_state(ReturnState.DISPOSITIONED, staff=staff, units=1)


@pytest.mark.parametrize("group", ["manager", "finance"])
def test_managers_and_finance_see_the_export_button_and_export(client, staff, dispositioned, group):
    client.force_login(getattr(staff, group))

    page = client.get(admin_url("rma.returnrequest", "changelist"))
    export = request_export(client, "rma.returnrequest")

    assert EXPORT_BUTTON in page.content.decode()
    assert export.status_code == 200 and export["Content-Type"].startswith("text/csv")


@pytest.mark.parametrize("export", list(EXPORTS))
@pytest.mark.parametrize("group", ["customer_service", "dock", "inspector"])
def test_other_groups_see_no_export_button_and_are_refused(client, staff, dispositioned, group, export):
    client.force_login(getattr(staff, group))

    page = client.get(admin_url(EXPORTS[export], "changelist"))

    assert page.status_code == 403 or EXPORT_BUTTON not in page.content.decode()
    assert client.get(admin_url(EXPORTS[export], "export")).status_code == 403
    assert request_export(client, EXPORTS[export]).status_code == 403


def test_managers_may_export_every_list(client, staff, dispositioned):
    client.force_login(staff.manager)

    for label in EXPORTS.values():
        page = client.get(admin_url(label, "changelist"))
        assert EXPORT_BUTTON in page.content.decode(), label
        assert request_export(client, label).status_code == 200, label


def test_finance_cannot_export_a_list_it_may_not_see(client, staff, dispositioned):
    client.force_login(staff.finance)

    assert client.get(admin_url("disposition.stockmovement", "changelist")).status_code == 403
    assert request_export(client, "disposition.stockmovement").status_code == 403


def test_a_signed_out_visitor_is_sent_to_the_login_page(client, dispositioned):
    response = request_export(client, "rma.returnrequest")

    assert response.status_code == 302 and "/login/" in response["Location"]
