"""The clients' webhooks: every change of a return's state goes out signed, to the URL a manager set,
with secrets a manager generates (shown once), rotates and retires."""

import io

import pytest
from django.contrib.admin.models import CHANGE, LogEntry
from django.contrib.auth.models import User
from django.core.management import call_command
from django.urls import reverse
from standardwebhooks import Webhook

from outbox.models import Message, MessageStatus, Transport
from rma import services
from rma.models import Client, ReturnState
from tests.factories import client_with_policy, return_in_state


def change_page(client_id: int) -> str:
    return reverse("admin:rma_client_change", args=[client_id])


def test_every_change_of_state_is_a_signed_webhook_the_client_verifies(merchant, receiver, staff):
    rma = return_in_state(ReturnState.IN_TRANSIT, staff=staff, client=merchant)

    call_command("deliver_outbox", stdout=io.StringIO())

    payloads = [Webhook(merchant.secret).verify(request.body, request.headers) for request in receiver.received]
    assert [payload["type"] for payload in payloads] == ["return.requested", "return.authorized", "return.in_transit"]
    last = payloads[-1]["data"]
    assert last["ran"] == rma.ran and last["order_number"] == rma.order.number and last["id"] == rma.pk
    assert (last["from_state"], last["state"]) == ("authorized", "in_transit")
    assert last["event_id"] == rma.events.get(to_state="in_transit", from_state="authorized").pk
    assert set(last) == {"id", "ran", "order_number", "state", "from_state", "event_id", "at"}  # no personal data


def test_a_client_without_a_webhook_url_is_sent_nothing(staff):
    return_in_state(ReturnState.AUTHORIZED, staff=staff, client=client_with_policy(auto_authorize=False))

    assert not Message.objects.filter(transport=Transport.WEBHOOK).exists()


def test_a_rotation_signs_with_both_secrets_until_the_previous_is_retired(merchant, receiver, staff):
    new_secret = services.generate_webhook_secret(client=merchant, actor=staff.manager)
    return_in_state(ReturnState.REQUESTED, staff=staff, client=merchant)
    call_command("deliver_outbox", stdout=io.StringIO())
    services.retire_previous_webhook_secret(client=merchant, actor=staff.manager)
    return_in_state(ReturnState.REQUESTED, staff=staff, client=merchant)
    call_command("deliver_outbox", stdout=io.StringIO())

    during, after = receiver.received
    for secret in (merchant.secret, new_secret):
        Webhook(secret).verify(during.body, during.headers)
    Webhook(new_secret).verify(after.body, after.headers)
    with pytest.raises(Exception, match="No matching signature"):
        Webhook(merchant.secret).verify(after.body, after.headers)


def generate_from_the_page(client, merchant) -> tuple:
    """Press "Rotate" on the client's page: the POST carries the fingerprint of the secret it replaces."""
    replacing = client.get(change_page(merchant.pk)).context["replacing_secret"]
    url = reverse("admin:rma_client_webhook_secret", args=[merchant.pk])
    return url, {"replacing": replacing}, client.post(url, {"replacing": replacing})


def test_a_manager_sees_a_new_secret_once_and_never_again(client, staff, merchant):
    client.force_login(staff.manager)

    _, _, shown = generate_from_the_page(client, merchant)
    secret = shown.context["secret"]
    page = client.get(change_page(merchant.pk)).content.decode()

    assert shown.status_code == 200 and "no-store" in shown["Cache-Control"] and secret in shown.content.decode()
    assert Client.objects.get(pk=merchant.pk).webhook_secret == secret
    assert secret not in page and merchant.secret not in page
    assert "Two secrets sign every delivery" in page and "Retire the previous secret" in page


def test_reloading_the_secret_page_neither_shows_it_again_nor_rotates_twice(client, staff, merchant):
    client.force_login(staff.manager)
    url, sent, shown = generate_from_the_page(client, merchant)
    secret = shown.context["secret"]

    reloaded = client.post(url, sent, follow=True)
    fetched_again = client.get(url)

    stored = Client.objects.get(pk=merchant.pk)
    assert (stored.webhook_secret, stored.webhook_secret_previous) == (secret, merchant.secret)
    for page in (reloaded, fetched_again):
        assert secret not in page.content.decode()
    assert "already replaced" in reloaded.content.decode()
    assert fetched_again.status_code == 405


@pytest.mark.parametrize("group", ["customer_service", "dock", "inspector", "finance"])
def test_only_managers_touch_the_secrets(client, staff, merchant, group):
    client.force_login(getattr(staff, group))

    for name in ("webhook_secret", "webhook_retire", "webhook_test"):
        assert client.post(reverse(f"admin:rma_client_{name}", args=[merchant.pk])).status_code == 403
    assert Client.objects.get(pk=merchant.pk).webhook_secret == merchant.secret


@pytest.mark.parametrize("role", ["customer_service", "dock", "inspector", "finance", "manager", "superuser"])
def test_no_page_about_a_client_shows_its_secrets_to_any_role(client, staff, merchant, role):
    # Given a rotation under way, and a manager's edit on the client's history
    services.generate_webhook_secret(client=merchant, actor=staff.manager)
    merchant.refresh_from_db()
    LogEntry.objects.log_actions(user_id=staff.manager.pk, queryset=[merchant], action_flag=CHANGE,
                                 change_message=[{"changed": {"fields": ["Webhook url"]}}])
    user = User.objects.create_superuser("root", "r@example.com", "x") if role == "superuser" else getattr(staff, role)
    client.force_login(user)

    pages = [change_page(merchant.pk), reverse("admin:rma_client_history", args=[merchant.pk]),
             reverse("admin:rma_client_changelist"), reverse("admin:rma_client_delete", args=[merchant.pk]),
             reverse("admin:index"), reverse("admin:autocomplete") + "?app_label=rma&model_name=warehouseroute"
             "&field_name=client&term="]
    shown = "".join(client.get(page).content.decode() for page in pages)

    assert client.get(change_page(merchant.pk)).status_code == 200
    for secret in (merchant.webhook_secret, merchant.webhook_secret_previous):
        assert secret and secret not in shown


def test_a_manager_sends_a_test_event_the_client_verifies(client, staff, merchant, receiver):
    client.force_login(staff.manager)

    response = client.post(reverse("admin:rma_client_webhook_test", args=[merchant.pk]), follow=True)
    call_command("deliver_outbox", stdout=io.StringIO())

    assert "webhook.test message is on its way" in response.content.decode()
    [request] = receiver.received
    assert Webhook(merchant.secret).verify(request.body, request.headers)["type"] == "webhook.test"
    assert Message.objects.get(type="webhook.test").status == MessageStatus.DELIVERED


def test_a_webhook_url_to_a_private_address_is_refused_in_the_form(client, staff, merchant, settings):
    settings.OUTBOX_ALLOW_PRIVATE_URLS = False
    client.force_login(staff.manager)
    page = client.get(change_page(merchant.pk))
    form = page.context["adminform"].form
    data = {**{name: value for name, value in form.initial.items() if value is not None},
            "webhook_url": "https://10.1.2.3/hooks", "default_warehouse": merchant.default_warehouse_id}
    data.update({key: "0" for key in ("routes-TOTAL_FORMS", "routes-INITIAL_FORMS", "accounts-TOTAL_FORMS",
                                      "accounts-INITIAL_FORMS")})

    response = client.post(change_page(merchant.pk), data)

    assert response.status_code == 200
    assert "private address" in str(response.context["adminform"].form.errors["webhook_url"])
    assert Client.objects.get(pk=merchant.pk).webhook_url == merchant.webhook_url
