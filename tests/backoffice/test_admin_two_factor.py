"""Under production settings finance, managers and superusers give an authenticator code after their password:
enrolled at the first login, asked at every later one; until then the admin opens nothing else."""

import pytest
from django.contrib.auth.models import User
from django.urls import reverse
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from tests.factories import user_in

PASSWORD = "correct horse battery"


@pytest.fixture(autouse=True)
def two_factor_on(settings):
    settings.ADMIN_REQUIRE_TWO_FACTOR = True


def staff_member(group: str | None) -> User:
    if group is None:
        user = User.objects.create_superuser(username="root", password=PASSWORD, email="root@returns.example")
    else:
        user = user_in(group, username=group)
        user.set_password(PASSWORD)
        user.save(update_fields=["password"])
    return user


def sign_in(client, user: User, **kwargs):
    return client.post(reverse("admin:login"), {"username": user.username, "password": PASSWORD, "next": "/admin/"},
                       **kwargs)


def enrolled(user: User) -> TOTPDevice:
    return TOTPDevice.objects.create(user=user, name="Authenticator app", confirmed=True)


def code_of(device: TOTPDevice) -> str:
    return f"{totp(device.bin_key, step=device.step, t0=device.t0, digits=device.digits):06d}"


def a_wrong_code(device: TOTPDevice) -> str:
    return f"{(int(code_of(device)) + 1) % 1_000_000:06d}"


def admin_opens(client) -> bool:
    return client.get(reverse("admin:index")).status_code == 200


@pytest.mark.parametrize("group", ["finance", "manager", None])
def test_without_a_device_the_first_login_goes_through_enrolment(client, db, group):
    user = staff_member(group)

    response = sign_in(client, user, follow=True)

    page = response.content.decode()
    assert response.redirect_chain[-1][0].startswith(reverse("admin:two_factor"))
    assert "Set up your authenticator app" in page
    assert 'class="two-factor-qr"' in page and 'id="secret"' in page
    assert not admin_opens(client)


def test_until_the_code_is_given_no_admin_page_opens_and_the_dock_scan_refuses(client, db):
    sign_in(client, staff_member("manager"))

    pages = [reverse("admin:index"), reverse("admin:refunds_refund_changelist"), reverse("admin:password_change"),
             reverse("admin:reports"), reverse("admin:login")]
    for url in pages:
        response = client.get(url)
        assert response.status_code == 302 and response["Location"].startswith(reverse("admin:two_factor")), url
    assert client.post(reverse("admin:dock_scan"), {"code": "X"}).status_code == 403


def test_a_confirmed_enrolment_opens_the_admin(client, db):
    user = staff_member("finance")
    sign_in(client, user)
    client.get(reverse("admin:two_factor"))
    device = TOTPDevice.objects.get(user=user)

    response = client.post(reverse("admin:two_factor"), {"token": code_of(device), "next": "/admin/"})

    assert response.status_code == 302 and response["Location"] == "/admin/"
    assert admin_opens(client)
    assert TOTPDevice.objects.get(user=user).confirmed


def test_with_a_device_a_wrong_code_is_refused(client, db):
    user = staff_member("finance")
    device = enrolled(user)
    sign_in(client, user)

    response = client.post(reverse("admin:two_factor"), {"token": a_wrong_code(device)})

    assert response.status_code == 400
    assert "That code is not right" in response.content.decode()
    assert 'id="secret"' not in response.content.decode()
    assert not admin_opens(client)


def test_with_a_device_the_right_code_admits(client, db):
    user = staff_member("manager")
    device = enrolled(user)
    page = sign_in(client, user, follow=True).content.decode()
    assert "Your authenticator code" in page and "two-factor-qr" not in page

    client.post(reverse("admin:two_factor"), {"token": code_of(device)})

    assert admin_opens(client)


def test_dock_staff_are_not_asked(client, db):
    sign_in(client, staff_member("dock"))

    assert admin_opens(client)


def test_with_the_setting_off_nobody_is_asked(client, db, settings):
    settings.ADMIN_REQUIRE_TWO_FACTOR = False

    sign_in(client, staff_member("finance"))

    assert admin_opens(client)


def test_between_password_and_code_one_can_log_out(client, db):
    sign_in(client, staff_member("finance"))

    client.post(reverse("admin:logout"))

    response = client.get(reverse("admin:two_factor"))
    assert response.status_code == 302 and response["Location"].startswith(reverse("admin:login"))


def test_the_code_page_sends_elsewhere_only_on_this_site(client, db):
    user = staff_member("finance")
    device = enrolled(user)
    sign_in(client, user)

    response = client.post(reverse("admin:two_factor"), {"token": code_of(device), "next": "https://evil.example/"})

    assert response["Location"] == reverse("admin:index")


def test_no_admin_page_shows_an_authenticators_key_again(client, db):
    root = staff_member(None)
    device = enrolled(root)
    client.force_login(root)
    client.post(reverse("admin:two_factor"), {"token": code_of(device)})

    listed = client.get(reverse("admin:otp_totp_totpdevice_changelist"))
    change = client.get(reverse("admin:otp_totp_totpdevice_change", args=[device.pk]))

    assert listed.status_code == change.status_code == 200
    for page in (listed, change):
        assert device.key not in page.content.decode() and "otpauth" not in page.content.decode()
    assert "qrcode" not in listed.content.decode()


def test_managers_see_console_users_authenticators_but_not_staff_ones(client, db, settings):
    settings.ADMIN_REQUIRE_TWO_FACTOR = False
    finance_device = enrolled(staff_member("finance"))
    console_device = enrolled(User.objects.create_user(username="anna", password=PASSWORD))
    client.force_login(staff_member("manager"))

    listed = client.get(reverse("admin:otp_totp_totpdevice_changelist")).content.decode()

    assert reverse("admin:otp_totp_totpdevice_change", args=[console_device.pk]) in listed
    assert reverse("admin:otp_totp_totpdevice_change", args=[finance_device.pk]) not in listed
    deleting = client.post(reverse("admin:otp_totp_totpdevice_delete", args=[finance_device.pk]), {"post": "yes"})
    assert deleting.status_code == 302 and TOTPDevice.objects.filter(pk=finance_device.pk).exists()


def test_the_authenticator_app_names_the_back_office_for_staff_and_the_console_for_clients(db):
    staff_app = enrolled(staff_member("finance")).config_url
    client_app = enrolled(User.objects.create_user(username="anna", password=PASSWORD)).config_url

    assert "otpauth://totp/Returns%20back%20office%3Afinance?" in staff_app
    assert "issuer=Returns%20back%20office" in staff_app
    assert "otpauth://totp/Returns%20console%3Aanna?" in client_app
