"""Managers make console users for a client in the admin; those users are never staff."""

from django.contrib.auth.models import User
from django.urls import reverse

from rma.models import ClientAccount
from tests.factories import client_with_policy

ADD = "admin:console_consoleaccount_add"


def test_a_manager_creates_a_console_user_who_can_sign_in_to_the_console(client, staff):
    shop = client_with_policy()
    client.force_login(staff.manager)

    response = client.post(reverse(ADD), {
        "client": shop.pk, "username": "lena", "email": "lena@shop.example", "password": "Returns-console-2026",
    })

    assert response.status_code == 302
    lena = User.objects.get(username="lena")
    assert not lena.is_staff and not lena.is_superuser and not lena.groups.exists()
    assert ClientAccount.objects.get(user=lena).client == shop
    client.logout()
    client.post(reverse("console:login"), {"username": "lena", "password": "Returns-console-2026"})
    assert shop.name in client.get(reverse("console:returns")).content.decode()


def test_a_weak_password_or_a_taken_name_is_a_form_error(client, staff):
    shop = client_with_policy()
    client.force_login(staff.manager)

    weak = client.post(reverse(ADD), {"client": shop.pk, "username": "lena", "password": "123"})
    taken = client.post(reverse(ADD), {"client": shop.pk, "username": staff.manager.username,
                                        "password": "Returns-console-2026"})

    assert weak.status_code == 200 and "too short" in weak.content.decode()
    assert taken.status_code == 200 and "is taken" in taken.content.decode()
    assert not User.objects.filter(username="lena").exists()


def test_floor_staff_may_not_create_console_users(client, staff):
    client.force_login(staff.dock)

    assert client.get(reverse(ADD)).status_code == 403
