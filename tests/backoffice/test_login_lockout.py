"""Staff login resists guessing: a user name is locked out from one IP address after too many wrong
passwords, even when the right one finally comes, while other addresses and other users still sign in."""

import datetime as dt

import pytest
import time_machine
from django.contrib.auth.models import User
from django.urls import reverse

from rma.models import ClientAccount
from tests.factories import client_with_policy, user_in

PASSWORD = "correct horse battery"
ATTACKER = "203.0.113.7"
ELSEWHERE = "198.51.100.20"
# Past the limit of five (the fifty-guess test shows more change nothing).
LOCKED = 6


@pytest.fixture(autouse=True)
def limits(settings):
    settings.AXES_FAILURE_LIMIT = 5
    settings.AXES_COOLOFF_TIME = 15 / 60  # hours


def staff_member(username: str) -> User:
    user = user_in("manager", username=username)
    user.set_password(PASSWORD)
    user.save(update_fields=["password"])
    return user


def sign_in(client, username: str, password: str, ip: str = ATTACKER, url: str = "admin:login"):
    return client.post(reverse(url), {"username": username, "password": password}, REMOTE_ADDR=ip)


def signed_in(client) -> bool:
    return client.get(reverse("admin:index")).status_code == 200


def guess(client, username: str, times: int, ip: str = ATTACKER, url: str = "admin:login") -> None:
    for attempt in range(times):
        sign_in(client, username, f"guess-{attempt}", ip=ip, url=url)


def test_fifty_wrong_passwords_then_the_right_one_does_not_sign_in(client, db):
    staff_member("mia")
    guess(client, "mia", 50)

    response = sign_in(client, "mia", PASSWORD)

    assert response.status_code == 429
    assert not signed_in(client)


def test_the_lockout_is_a_page_that_says_why_and_for_how_long(client, db):
    staff_member("mia")
    guess(client, "mia", 3)
    assert sign_in(client, "mia", "guess-again").status_code == 200  # still the login form, with its error

    response = sign_in(client, "mia", "the-fifth-wrong-one")

    page = response.content.decode()
    assert response.status_code == 429
    assert response["Retry-After"] == "900"
    assert "Too many wrong passwords for mia from this address" in page
    assert "locked for 15 minutes" in page
    assert reverse("admin_password_reset") in page
    assert "<title>" in page and "Returns back office" in page


def test_the_same_user_from_another_address_still_signs_in(client, db):
    staff_member("mia")
    guess(client, "mia", LOCKED)

    sign_in(client, "mia", PASSWORD, ip=ELSEWHERE)

    assert signed_in(client)


def test_another_user_from_the_same_address_still_signs_in(client, db):
    staff_member("mia")
    staff_member("noah")
    guess(client, "mia", LOCKED)

    sign_in(client, "noah", PASSWORD)

    assert signed_in(client)


def test_after_the_cool_off_the_right_password_signs_in_again(client, db):
    staff_member("mia")
    guess(client, "mia", LOCKED)

    with time_machine.travel(dt.datetime.now(dt.UTC) + dt.timedelta(minutes=16)):
        sign_in(client, "mia", PASSWORD)
        assert signed_in(client)


def test_a_try_while_locked_starts_the_cool_off_again(client, db):
    staff_member("mia")
    guess(client, "mia", 5)
    with time_machine.travel(dt.datetime.now(dt.UTC) + dt.timedelta(minutes=10)):
        guess(client, "mia", 1)

    with time_machine.travel(dt.datetime.now(dt.UTC) + dt.timedelta(minutes=16)):
        sign_in(client, "mia", PASSWORD)
        assert not signed_in(client)


def test_a_right_password_clears_the_count_of_wrong_ones(client, db):
    staff_member("mia")
    guess(client, "mia", 4)
    sign_in(client, "mia", PASSWORD)
    client.post(reverse("admin:logout"))

    guess(client, "mia", 4)
    sign_in(client, "mia", PASSWORD)

    assert signed_in(client)


def test_the_console_login_locks_out_the_same_way_with_its_own_page(client, db):
    user = User.objects.create_user(username="anna", password=PASSWORD)
    ClientAccount.objects.create(user=user, client=client_with_policy())
    guess(client, "anna", LOCKED, url="console:login")

    response = sign_in(client, "anna", PASSWORD, url="console:login")

    assert response.status_code == 429
    assert "Returns console" in response.content.decode()
    assert "Too many wrong passwords for anna" in response.content.decode()
    assert client.get(reverse("console:returns")).status_code == 302
