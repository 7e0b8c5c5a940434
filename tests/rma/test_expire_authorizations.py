"""expire_authorizations: authorized returns past their RAN validity expire; also the cron command."""

import datetime as dt
import io

import pytest
import time_machine
from django.core.management import call_command

from rma import services as rma_services
from rma.models import ReturnRequest, ReturnState
from tests.factories import requested_return, return_in_state

MICROSECOND = dt.timedelta(microseconds=1)
LATER = dt.timedelta(days=400)


def fresh(rma: ReturnRequest) -> ReturnRequest:
    return ReturnRequest.objects.get(pk=rma.pk)


def test_ran_validity_is_counted_from_authorization(staff):
    rma = requested_return(staff=staff, ran_validity_days=10)
    authorized_at = dt.datetime(2025, 6, 1, 9, 30, tzinfo=dt.UTC)

    with time_machine.travel(authorized_at, tick=False):
        rma = rma_services.authorize_return(rma=rma, actor=staff.customer_service)

    assert rma.authorization_expires_at == authorized_at + dt.timedelta(days=10)


def test_authorized_return_past_its_validity_expires(staff):
    rma = return_in_state(ReturnState.AUTHORIZED, staff=staff)

    rma_services.expire_authorizations(now=rma.authorization_expires_at + MICROSECOND)

    assert fresh(rma).state == ReturnState.EXPIRED


def test_authorized_return_at_the_last_moment_of_its_validity_stays_authorized(staff):
    rma = return_in_state(ReturnState.AUTHORIZED, staff=staff)

    rma_services.expire_authorizations(now=rma.authorization_expires_at)

    assert fresh(rma).state == ReturnState.AUTHORIZED


@pytest.mark.parametrize(
    "state", [ReturnState.REQUESTED, ReturnState.IN_TRANSIT, ReturnState.RECEIVED, ReturnState.CANCELLED]
)
def test_return_not_in_authorized_never_expires(state, staff):
    rma = return_in_state(state, staff=staff)

    rma_services.expire_authorizations(now=rma.requested_at + LATER)

    assert fresh(rma).state == state


def test_expiry_is_recorded_as_done_by_the_system(staff):
    rma = return_in_state(ReturnState.AUTHORIZED, staff=staff)

    rma_services.expire_authorizations(now=rma.authorization_expires_at + MICROSECOND)

    event = rma.events.get(action="expire")
    assert (event.from_state, event.to_state, event.actor, event.channel) == (
        ReturnState.AUTHORIZED, ReturnState.EXPIRED, None, "system"
    )


def test_returns_how_many_expired(staff):
    due = [return_in_state(ReturnState.AUTHORIZED, staff=staff) for _ in range(2)]
    return_in_state(ReturnState.IN_TRANSIT, staff=staff)
    return_in_state(ReturnState.AUTHORIZED, staff=staff, ran_validity_days=90)

    count = rma_services.expire_authorizations(now=max(r.authorization_expires_at for r in due) + MICROSECOND)

    assert count == 2


def test_second_run_expires_nothing_more(staff):
    rma = return_in_state(ReturnState.AUTHORIZED, staff=staff)
    now = rma.authorization_expires_at + MICROSECOND
    rma_services.expire_authorizations(now=now)

    assert rma_services.expire_authorizations(now=now) == 0


def test_management_command_expires_due_authorizations(staff):
    rma = return_in_state(ReturnState.AUTHORIZED, staff=staff)

    with time_machine.travel(rma.authorization_expires_at + dt.timedelta(minutes=1), tick=False):
        call_command("expire_authorizations", stdout=io.StringIO())

    assert fresh(rma).state == ReturnState.EXPIRED


def test_management_command_reports_the_count(staff):
    rma = return_in_state(ReturnState.AUTHORIZED, staff=staff)
    out = io.StringIO()

    with time_machine.travel(rma.authorization_expires_at + dt.timedelta(minutes=1), tick=False):
        call_command("expire_authorizations", stdout=out)

    assert out.getvalue().strip() == "1 authorization expired."
