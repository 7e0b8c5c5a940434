"""A large export reads its list in keyset batches: every row once, in the list's order, whatever it is sorted by."""

import pytest
import time_machine
from django.utils import timezone

from reports import resources
from rma.models import ReturnState
from tests.factories import Staff, return_in_state
from tests.reports.exports import admin_url, as_records, exported

STATES = [ReturnState.REQUESTED, ReturnState.AUTHORIZED, ReturnState.IN_TRANSIT, ReturnState.DISPOSITIONED]


@pytest.fixture
def many_returns(staff):
    """Eleven returns, seven requested in one instant (ties on the time), some with no RAN, warehouse or refund."""
    with time_machine.travel(timezone.now(), tick=False):
        tied = [return_in_state(STATES[n % len(STATES)], staff=staff) for n in range(7)]
    return tied + [return_in_state(STATES[n % len(STATES)], staff=staff) for n in range(4)]


@pytest.fixture
def small_batches(monkeypatch):
    # Batches of 3 rows: the eleven returns take four of them, so every batch boundary is crossed.
    monkeypatch.setattr(resources, "CHUNK_SIZE", 3)


# The returns list's columns: 1 RAN, 2 client, 3 warehouse, 6 state, 8 units, 9 refund, 10 requested at.
@pytest.mark.parametrize("file_format", ["csv", "xlsx"])
@pytest.mark.parametrize("ordering", ["", "1", "-1", "2.-10", "-3.1", "6.-9", "9", "8.-6", "10"])
def test_an_export_of_more_rows_than_a_batch_has_every_row_once_in_the_lists_order(
    client, many_returns, small_batches, ordering, file_format
):
    client.force_login(Staff().manager)
    params = {"o": ordering} if ordering else {}

    records = as_records(exported(client, "rma.returnrequest", params, file_format))

    listed = client.get(admin_url("rma.returnrequest", "changelist"), params).context["cl"].queryset
    assert [r["Order number"] for r in records] == [rma.order.number for rma in listed]
    assert len(records) == len(many_returns)
