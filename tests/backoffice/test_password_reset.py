"""Staff who forgot their password get a one-use link by email from the admin's login page; the page answers
the same whether or not the address is known, and requests are limited so it cannot send mail in bulk."""

import re

import pytest
from django.contrib.auth.models import User
from django.core import mail
from django.core.cache import cache
from django.urls import reverse

from rma.models import ClientAccount
from tests.factories import client_with_policy, user_in

NEW_PASSWORD = "a brand new staircase 42"


@pytest.fixture(autouse=True)
def fresh_counts():
    cache.clear()  # the request counts live in the cache, which outlives a test's database
    yield
    cache.clear()


@pytest.fixture
def mia(db) -> User:
    user = user_in("finance", username="mia")
    user.email = "Mia@returns.example"
    user.save(update_fields=["email"])
    return user


def ask_for_reset(client, email: str, ip: str = "203.0.113.7"):
    return client.post(reverse("admin_password_reset"), {"email": email}, REMOTE_ADDR=ip, follow=True)


def link_in(message) -> str:
    return re.search(r"https://[^/\s]+(/admin/reset/\S+/)", message.body).group(1)


def test_the_admin_login_offers_the_reset(client, db):
    page = client.get(reverse("admin:login")).content.decode()

    assert f'href="{reverse("admin_password_reset")}"' in page


def test_a_staff_member_resets_the_password_by_email_and_signs_in_with_the_new_one(client, mia):
    done = ask_for_reset(client, "mia@returns.example")

    assert done.redirect_chain[-1][0] == reverse("password_reset_done")
    assert len(mail.outbox) == 1 and mail.outbox[0].to == ["Mia@returns.example"]
    link = link_in(mail.outbox[0])
    assert mail.outbox[0].body.count("https://localhost/admin/reset/") == 1  # the public address, not the request's
    form = client.get(link, follow=True)
    assert form.status_code == 200 and "new_password1" in form.content.decode()
    complete = client.post(form.redirect_chain[-1][0], {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD},
                           follow=True)
    assert complete.redirect_chain[-1][0] == reverse("password_reset_complete")
    assert f'href="{reverse("admin:login")}"' in complete.content.decode()

    client.post(reverse("admin:login"), {"username": "mia", "password": NEW_PASSWORD})

    assert client.get(reverse("admin:index")).status_code == 200


def test_the_link_works_once(client, mia):
    ask_for_reset(client, "mia@returns.example")
    link = link_in(mail.outbox[0])
    form = client.get(link, follow=True)
    client.post(form.redirect_chain[-1][0], {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD})

    again = client.get(link, follow=True)

    assert "new_password1" not in again.content.decode()
    assert "invalid" in again.content.decode().lower()


def test_an_unknown_address_gets_the_same_page_and_no_email(client, mia):
    known = ask_for_reset(client, "mia@returns.example")
    mail.outbox.clear()

    unknown = ask_for_reset(client, "nobody@returns.example")

    assert unknown.status_code == known.status_code == 200
    assert unknown.redirect_chain == known.redirect_chain
    assert unknown.content == known.content
    assert mail.outbox == []


def test_a_client_account_is_not_sent_a_reset(client, db):
    user = User.objects.create_user(username="anna", email="anna@shop.example", password="correct horse battery")
    ClientAccount.objects.create(user=user, client=client_with_policy())

    ask_for_reset(client, "anna@shop.example")

    assert mail.outbox == []


def test_requests_for_one_address_are_limited(client, mia, settings):
    settings.PASSWORD_RESETS_PER_EMAIL = 3
    for _ in range(3):
        ask_for_reset(client, "mia@returns.example")

    response = ask_for_reset(client, "MIA@returns.example ", ip="198.51.100.20")

    assert response.status_code == 429
    assert "Too many password reset requests" in response.content.decode()
    assert int(response["Retry-After"]) > 0
    assert len(mail.outbox) == 3


def test_requests_from_one_ip_address_are_limited_whatever_the_email(client, mia, settings):
    settings.PASSWORD_RESETS_PER_IP = 4
    for number in range(4):
        ask_for_reset(client, f"someone-{number}@returns.example")

    response = ask_for_reset(client, "mia@returns.example")

    assert response.status_code == 429
    assert mail.outbox == []
