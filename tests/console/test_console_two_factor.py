"""Under production settings the console asks for a second factor: enrol once, then a token every login."""

import datetime as dt

import pytest
import time_machine
from django.urls import reverse
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice


@pytest.fixture(autouse=True)
def two_factor_on(settings):
    settings.CONSOLE_REQUIRE_TWO_FACTOR = True


def sign_in(client):
    return client.post(reverse("console:login"), {"username": "anna", "password": "correct horse battery"},
                       follow=True)


def code_of(device: TOTPDevice) -> str:
    return f"{totp(device.bin_key, step=device.step, t0=device.t0, digits=device.digits):06d}"


def test_the_first_login_enrols_an_app_with_a_qr_code_and_its_key(client, shops):
    page = sign_in(client).content.decode()

    device = TOTPDevice.objects.get(user=shops["a_user"])
    assert "Set up your authenticator app" in page
    assert "<svg" in page
    assert "Key:" in page and device.key
    assert client.get(reverse("console:returns")).status_code == 302


def test_a_confirmed_code_finishes_enrolment_and_opens_the_console(client, shops):
    sign_in(client)
    device = TOTPDevice.objects.get(user=shops["a_user"])

    response = client.post(reverse("console:two_factor"), {"token": code_of(device)})

    assert response.status_code == 302
    assert client.get(reverse("console:returns")).status_code == 200
    assert TOTPDevice.objects.get(user=shops["a_user"]).confirmed


def test_later_logins_ask_for_the_code_and_never_show_the_key_again(client, shops):
    sign_in(client)
    device = TOTPDevice.objects.get(user=shops["a_user"])
    client.post(reverse("console:two_factor"), {"token": code_of(device)})
    client.post(reverse("console:logout"))

    page = sign_in(client).content.decode()

    assert "Your authenticator code" in page
    assert "Key:" not in page and "<svg" not in page
    assert client.get(reverse("console:returns")).status_code == 302
    with time_machine.travel(dt.datetime.now(dt.UTC) + dt.timedelta(minutes=1)):
        client.post(reverse("console:two_factor"), {"token": code_of(device)})
        assert client.get(reverse("console:returns")).status_code == 200


def test_a_code_used_once_is_refused_the_second_time(client, shops):
    sign_in(client)
    device = TOTPDevice.objects.get(user=shops["a_user"])
    code = code_of(device)
    client.post(reverse("console:two_factor"), {"token": code})
    client.post(reverse("console:logout"))
    sign_in(client)

    response = client.post(reverse("console:two_factor"), {"token": code})

    assert response.status_code == 400
    assert client.get(reverse("console:returns")).status_code == 302


@pytest.mark.parametrize("token", ["000000", "12345", "abcdef", ""])
def test_a_wrong_code_is_refused_and_the_console_stays_shut(client, shops, token):
    sign_in(client)
    device = TOTPDevice.objects.get(user=shops["a_user"])
    if token == code_of(device):
        token = f"{(int(token) + 1) % 1_000_000:06d}"

    response = client.post(reverse("console:two_factor"), {"token": token})

    assert response.status_code == 400
    assert client.get(reverse("console:returns")).status_code == 302
    assert not TOTPDevice.objects.get(user=shops["a_user"]).confirmed


def test_without_the_setting_the_password_alone_opens_the_console(client, shops, settings):
    settings.CONSOLE_REQUIRE_TWO_FACTOR = False

    sign_in(client)

    assert client.get(reverse("console:returns")).status_code == 200
