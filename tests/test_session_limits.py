"""Signed-in people are signed out after 30 idle minutes and 12 hours after signing in; the open dock
screen keeps its session alive with a ping. The clock moves with time-machine."""

import datetime as dt

import pytest
import time_machine
from django.urls import reverse

from tests.console.conftest import console_user
from tests.factories import client_with_policy

INDEX = reverse("admin:index")
DOCK = reverse("admin:dock")
KEEP_ALIVE = reverse("admin:dock_keep_alive")
START = dt.datetime(2026, 12, 4, 6, 0, tzinfo=dt.UTC)

pytestmark = pytest.mark.django_db


@pytest.fixture
def clock():
    with time_machine.travel(START, tick=False) as traveller:
        yield traveller


@pytest.fixture
def signed_in(client, staff, clock):
    client.force_login(staff.dock)
    return client


def is_signed_out(response) -> bool:
    return response.status_code == 302 and response["Location"].startswith(reverse("admin:login"))


def test_29_idle_minutes_keep_the_session(signed_in, clock):
    clock.shift(dt.timedelta(minutes=29))

    assert signed_in.get(INDEX).status_code == 200


def test_31_idle_minutes_sign_the_person_out_and_the_login_page_says_why(signed_in, clock):
    clock.shift(dt.timedelta(minutes=31))

    response = signed_in.get(INDEX)

    assert is_signed_out(response)
    login_page = signed_in.get(response["Location"]).content.decode()
    assert "You were signed out after 30 minutes without activity. Please sign in again." in login_page


def test_activity_keeps_the_session_until_12_hours_after_signing_in(signed_in, clock):
    for _ in range(35):  # a request every 20 minutes for 11 hours 40 minutes
        clock.shift(dt.timedelta(minutes=20))
        assert signed_in.get(INDEX).status_code == 200
    clock.shift(dt.timedelta(minutes=15))
    assert signed_in.get(INDEX).status_code == 200  # 11 h 55 min after signing in

    clock.shift(dt.timedelta(minutes=10))
    response = signed_in.get(INDEX)

    assert is_signed_out(response)
    assert "12 hours after signing in" in signed_in.get(response["Location"]).content.decode()


def test_the_session_cookie_ends_with_the_12_hours_too(client, staff):
    client.force_login(staff.dock)

    assert client.session.get_expiry_age() == 12 * 60 * 60


def test_the_open_dock_screen_keeps_its_session_alive_with_its_ping(signed_in, clock):
    assert signed_in.get(DOCK).status_code == 200
    for _ in range(24):  # two hours without a scan, pinged every five minutes
        clock.shift(dt.timedelta(minutes=5))
        assert signed_in.post(KEEP_ALIVE).status_code == 204

    assert signed_in.get(DOCK).status_code == 200


def test_the_ping_cannot_stretch_the_session_past_12_hours(signed_in, clock):
    for _ in range(12 * 12):
        clock.shift(dt.timedelta(minutes=5))
        signed_in.post(KEEP_ALIVE)

    clock.shift(dt.timedelta(minutes=5))
    response = signed_in.post(KEEP_ALIVE)

    assert response.status_code == 403 and response.json()["code"] == "signed_out"


def test_a_scan_after_the_idle_limit_is_refused_in_json_not_sent_to_a_login_page(signed_in, clock):
    clock.shift(dt.timedelta(minutes=31))

    response = signed_in.post(reverse("admin:dock_scan"), {"code": "RA-0000-0000-0"}, HTTP_ACCEPT="application/json")

    assert response.status_code == 403 and response.json()["code"] == "signed_out"


def test_the_ping_takes_only_post(signed_in):
    assert signed_in.get(KEEP_ALIVE).status_code == 405


def test_console_users_have_the_same_idle_limit(client, clock):
    client.force_login(console_user(client_with_policy(), "anna"))
    assert client.get(reverse("console:returns")).status_code == 200

    clock.shift(dt.timedelta(minutes=31))

    response = client.get(reverse("console:returns"))
    assert response.status_code == 302 and reverse("console:login") in response["Location"]


def test_the_limits_come_from_settings(signed_in, clock, settings):
    settings.SESSION_IDLE_SECONDS = 5 * 60
    clock.shift(dt.timedelta(minutes=6))

    assert is_signed_out(signed_in.get(INDEX))
