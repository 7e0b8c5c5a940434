"""Who gets into the console: a client's people with their password; staff and strangers do not."""

from django.urls import reverse

from tests.factories import user_in


def test_a_client_person_signs_in_with_their_password_and_lands_on_their_returns(client, shops):
    response = client.post(reverse("console:login"), {"username": "anna", "password": "correct horse battery"})

    assert response["Location"] == reverse("console:returns")
    page = client.get(reverse("console:returns"))
    assert page.status_code == 200
    assert shops["a"].name in page.content.decode()


def test_a_wrong_password_is_refused_on_the_login_page(client, shops):
    response = client.post(reverse("console:login"), {"username": "anna", "password": "wrong"})

    assert response.status_code == 200
    assert "Please enter a correct username and password" in response.content.decode()
    assert client.get(reverse("console:returns")).status_code == 302


def test_facility_staff_cannot_sign_in_to_the_console(client, db):
    user_in("manager", username="mira")

    response = client.post(reverse("console:login"), {"username": "mira", "password": "x"})

    assert "Facility staff sign in to the back office" in response.content.decode()


def test_facility_staff_signed_in_elsewhere_get_a_403(client, db):
    client.force_login(user_in("customer_service"))

    assert client.get(reverse("console:returns")).status_code == 403


def test_a_console_user_has_no_admin(client, shops):
    client.force_login(shops["a_user"])

    response = client.get("/admin/")

    assert response.status_code == 302
    assert "/admin/login/" in response["Location"]


def test_nobody_signed_in_is_sent_to_the_console_login(client, db):
    response = client.get(reverse("console:refunds"))

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("console:login"))


def test_signing_out_ends_the_session(client, shops):
    client.force_login(shops["a_user"])

    client.post(reverse("console:logout"))

    assert client.get(reverse("console:returns")).status_code == 302
