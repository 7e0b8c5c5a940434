"""warn_of_expiring_authorizations: one warning per authorized return whose RAN ends soon; also the cron
command and the Celery beat entry."""

import datetime as dt
import io
import re

import pytest
from django.conf import settings
from django.core import mail
from django.core.management import CommandError, call_command

from core.errors import PermissionRefused
from outbox.models import Message
from rma import customer_emails
from rma import services as rma_services
from rma.models import Client, ReturnState
from rma.tasks import warn_of_expiring_authorizations as warning_task
from tests.factories import client_with_policy, requested_return, return_in_state

pytestmark = pytest.mark.django_db

DAY = dt.timedelta(days=1)
PUBLIC = "https://returns.example.com"


@pytest.fixture(autouse=True)
def public_base_url(settings):
    settings.PUBLIC_BASE_URL = PUBLIC


def warnings_of(rma) -> list[Message]:
    return list(Message.objects.filter(idempotency_key=customer_emails.idempotency_key(kind="expiring", rma=rma)))


def test_a_return_whose_ran_ends_within_the_window_is_warned_with_its_label_link(client, staff):
    rma = return_in_state(ReturnState.AUTHORIZED, staff=staff)

    queued = rma_services.warn_of_expiring_authorizations(now=rma.authorization_expires_at - 2 * DAY, within=3 * DAY)

    [warning] = warnings_of(rma)
    assert queued == 1 and warning.type == "email.return_expiring" and warning.destination == rma.customer.email
    expires_on = rma.authorization_expires_at.astimezone(rma.client.zone).strftime("%-d %b %Y")  # the client's day
    assert warning.payload["subject"] == f"Your return {rma.ran}: please send it by {expires_on}"
    [link] = re.findall(rf"{PUBLIC}(/labels/\S+)", warning.payload["body"])
    assert f'href="{PUBLIC}{link}"' in warning.payload["html"]
    assert client.get(link)["Content-Type"] == "application/pdf"
    assert f"Its authorization ends on {expires_on}" in warning.payload["body"]
    assert rma.ran in warning.payload["html"]


def test_a_return_is_warned_only_once_however_often_the_job_runs(staff):
    rma = return_in_state(ReturnState.AUTHORIZED, staff=staff)
    soon = rma.authorization_expires_at - 2 * DAY

    first = rma_services.warn_of_expiring_authorizations(now=soon, within=3 * DAY)
    again = rma_services.warn_of_expiring_authorizations(now=soon + DAY, within=3 * DAY)

    assert (first, again) == (1, 0) and len(warnings_of(rma)) == 1


def test_a_return_that_ends_later_than_the_window_is_not_warned_yet(staff):
    rma = return_in_state(ReturnState.AUTHORIZED, staff=staff)

    queued = rma_services.warn_of_expiring_authorizations(now=rma.authorization_expires_at - 4 * DAY, within=3 * DAY)

    assert queued == 0 and warnings_of(rma) == []


def test_the_window_defaults_to_the_setting(staff, settings):
    settings.RAN_EXPIRY_WARNING_DAYS = 5
    rma = return_in_state(ReturnState.AUTHORIZED, staff=staff)

    assert rma_services.warn_of_expiring_authorizations(now=rma.authorization_expires_at - 4 * DAY) == 1


@pytest.mark.parametrize("state", [ReturnState.IN_TRANSIT, ReturnState.RECEIVED, ReturnState.CANCELLED,
                                   ReturnState.EXPIRED])
def test_a_return_no_longer_waiting_for_its_parcel_is_not_warned(staff, state):
    rma = return_in_state(state, staff=staff)

    queued = rma_services.warn_of_expiring_authorizations(now=rma.authorization_expires_at - DAY, within=3 * DAY)

    assert queued == 0 and warnings_of(rma) == []


def test_a_ran_that_already_ran_out_is_not_warned(staff):
    rma = return_in_state(ReturnState.AUTHORIZED, staff=staff)

    queued = rma_services.warn_of_expiring_authorizations(now=rma.authorization_expires_at + DAY, within=3 * DAY)

    assert queued == 0 and warnings_of(rma) == []


def test_the_warning_speaks_german_to_a_german_clients_customer(staff):
    client = client_with_policy(auto_authorize=False)
    Client.objects.filter(pk=client.pk).update(languages=["de"])
    rma = requested_return(staff=staff, client=Client.objects.get(pk=client.pk))
    rma = rma_services.authorize_return(rma=rma, actor=staff.customer_service)

    rma_services.warn_of_expiring_authorizations(now=rma.authorization_expires_at - DAY, within=3 * DAY)

    [warning] = warnings_of(rma)
    assert warning.payload["subject"].startswith(f"Ihre Rücksendung {rma.ran}: bitte senden Sie sie bis ")
    assert "ist noch nicht bei uns eingetroffen" in warning.payload["body"]


def test_only_the_system_warns(staff):
    with pytest.raises(PermissionRefused):
        rma_services.warn_of_expiring_authorizations(actor=staff.manager)


def test_the_cron_command_warns_and_says_how_many(staff, time_machine, django_capture_on_commit_callbacks):
    rma = return_in_state(ReturnState.AUTHORIZED, staff=staff)
    time_machine.move_to(rma.authorization_expires_at - 2 * DAY, tick=False)
    first, again = io.StringIO(), io.StringIO()

    with django_capture_on_commit_callbacks(execute=True):
        call_command("warn_of_expiring_authorizations", "--days", "3", stdout=first)
        call_command("warn_of_expiring_authorizations", stdout=again)

    assert (first.getvalue(), again.getvalue()) == ("1 expiry warning queued.\n", "0 expiry warnings queued.\n")
    [sent] = [email for email in mail.outbox if "please send it by" in email.subject]
    assert sent.to == [rma.customer.email] and sent.alternatives[0][1] == "text/html"


def test_the_cron_command_refuses_a_negative_window():
    with pytest.raises(CommandError, match="cannot be negative"):
        call_command("warn_of_expiring_authorizations", "--days", "-1")


def test_celery_beat_runs_the_warning_job_hourly(staff, time_machine):
    rma = return_in_state(ReturnState.AUTHORIZED, staff=staff)
    entry = settings.CELERY_BEAT_SCHEDULE["warn-of-expiring-authorizations"]
    time_machine.move_to(rma.authorization_expires_at - DAY, tick=False)

    warning_task.apply()

    assert entry == {"task": warning_task.name, "schedule": 3600.0} and len(warnings_of(rma)) == 1
