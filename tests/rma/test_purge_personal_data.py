"""The retention purge: returns closed more than PERSONAL_DATA_RETENTION_DAYS ago lose their photos and
their customer's personal data, acting as the system, once; open and recent returns keep theirs."""

import datetime as dt

import pytest
from django.core.files.storage import default_storage
from django.core.management import call_command
from django.utils import timezone

from importjobs.models import ImportJob
from rma import services as rma_services
from rma.models import Customer, ReturnEvent, ReturnEventType, ReturnRequest, ReturnState
from rma.services.erasure import purge_personal_data
from tests.factories import client_with_policy, order_for, return_in_state
from tests.rma.personal_data import EMAIL, NAME, customer_with_history, money_totals, refused_import_naming, where_found

NOW = dt.datetime(2028, 12, 4, 12, 0, tzinfo=dt.UTC)


def closed_days_ago(rma: ReturnRequest, days: int) -> ReturnRequest:
    """Its closing moved back in time, as if it had closed `days` days before NOW."""
    ReturnRequest.objects.filter(pk=rma.pk).update(state_entered_at=NOW - dt.timedelta(days=days))
    return ReturnRequest.objects.get(pk=rma.pk)


def purge(capture, clock=lambda: NOW, **kwargs):
    with capture(execute=True):
        return purge_personal_data(clock=clock, **kwargs)


def test_a_return_closed_past_the_retention_period_loses_photos_and_personal_data(
    staff, settings, django_capture_on_commit_callbacks,
):
    settings.PERSONAL_DATA_RETENTION_DAYS = 730
    customer, (refunded, received) = customer_with_history(staff)
    old = closed_days_ago(refunded, 731)
    rma_services.add_note(rma=old, actor=staff.customer_service, text=f"Gave {NAME} a call")
    before = money_totals()

    outcome = purge(django_capture_on_commit_callbacks)
    old.refresh_from_db()

    assert (outcome.returns, outcome.customers) == (1, 0)  # the received return keeps its customer's record
    assert old.personal_data_purged_at == NOW
    assert [event.note for event in old.events.all()].count("Gave [erased] a call") == 1
    [event] = old.events.filter(action=ReturnEventType.PERSONAL_DATA_PURGED)
    assert (event.channel, event.system_job, event.at) == ("system", "purge_personal_data", NOW)
    assert NAME not in event.note and EMAIL not in str(event.details)
    assert money_totals() == before
    assert Customer.objects.get(pk=customer.pk).email == EMAIL
    assert received.items.get().customer_photo and default_storage.exists(received.items.get().customer_photo.name)


@pytest.mark.parametrize(("state", "days", "purged"), [
    (ReturnState.REFUNDED, 729, False),  # closed, but not long enough ago
    (ReturnState.REJECTED, 731, True),
    (ReturnState.CANCELLED, 731, True),
    (ReturnState.EXPIRED, 731, True),
    (ReturnState.CLOSED, 731, True),  # closed without refund
    (ReturnState.AUTHORIZED, 900, False),  # still open, however old
    (ReturnState.RECEIVED, 900, False),
])
def test_only_returns_closed_long_enough_ago_are_purged(staff, django_capture_on_commit_callbacks, state, days,
                                                        purged):
    rma = closed_days_ago(return_in_state(state, staff=staff), days)

    purge(django_capture_on_commit_callbacks)
    rma.refresh_from_db()

    assert (rma.personal_data_purged_at is not None) is purged
    assert rma.events.filter(action=ReturnEventType.PERSONAL_DATA_PURGED).exists() is purged


def test_a_customer_with_nothing_newer_is_erased_whole_and_a_second_run_changes_nothing(
    staff, django_capture_on_commit_callbacks,
):
    client = client_with_policy(auto_authorize=False)
    order = order_for(client, quantity=4, ordered_at=NOW - dt.timedelta(days=820))
    for state in (ReturnState.REFUNDED, ReturnState.REJECTED):
        closed_days_ago(return_in_state(state, staff=staff, client=client, order=order, units=2), 800)
    customer = order.customer
    email, name = customer.email, customer.name

    first = purge(django_capture_on_commit_callbacks, batch_size=1)
    events = ReturnEvent.objects.count()
    second = purge(django_capture_on_commit_callbacks)

    assert (first.returns, first.customers) == (2, 1)
    assert (second.returns, second.customers) == (0, 0) and ReturnEvent.objects.count() == events
    assert Customer.objects.get(pk=customer.pk).erased_by == "system (purge_personal_data)"
    assert set(ReturnEvent.objects.filter(action=ReturnEventType.PERSONAL_DATA_ERASED).values_list("note", "at")) == {
        ("Personal data erased after the retention period: all their returns closed long ago.", NOW)}
    assert where_found(email, name) == []


def test_the_command_for_cron_says_what_it_purged(staff, capsys, settings):
    settings.PERSONAL_DATA_RETENTION_DAYS = 10
    rma = return_in_state(ReturnState.REJECTED, staff=staff)
    ReturnRequest.objects.filter(pk=rma.pk).update(state_entered_at=timezone.now() - dt.timedelta(days=11))

    call_command("purge_personal_data")

    assert "1 return closed more than 10 days ago purged; 0 customers erased whole." in capsys.readouterr().out


def test_import_jobs_older_than_the_period_are_forgotten(staff, settings, django_capture_on_commit_callbacks):
    settings.PERSONAL_DATA_RETENTION_DAYS = 730
    old, recent = refused_import_naming(staff.manager, EMAIL), refused_import_naming(staff.manager, EMAIL)
    ImportJob.objects.filter(pk=old.pk).update(finished_at=NOW - dt.timedelta(days=731))
    ImportJob.objects.filter(pk=recent.pk).update(finished_at=NOW - dt.timedelta(days=729))

    purge(django_capture_on_commit_callbacks)

    assert list(ImportJob.objects.values_list("pk", flat=True)) == [recent.pk]
