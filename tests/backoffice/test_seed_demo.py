"""seed_demo: demo data in every state, made through the services, and nothing new on a second run."""

import datetime as dt
import io

import pytest
from django.apps import apps
from django.contrib.auth.models import User
from django.core.management import CommandError, call_command
from django.utils import timezone

from api.models import ApiKey
from api.services import digest_of
from refunds.models import Refund, RefundStatus, StoreCreditEntry
from rma.models import (
    CarrierEvent,
    CarrierEventOutcome,
    Client,
    ClientAccount,
    ReceivingScan,
    ReturnRequest,
    ReturnState,
    Warehouse,
    WarehouseAssignment,
    WarehouseRoute,
)
from tests.factories import return_in_state

STAFF_GROUPS = ["customer_service", "dock", "inspector", "finance", "manager"]

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def fast_passwords(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def seed_demo(*, history: int = 14) -> str:
    """The demo, with a short history: the tests of the whole three months make the full one."""
    out = io.StringIO()
    call_command("seed_demo", history=history, stdout=out)
    return out.getvalue()


def row_counts() -> dict[str, int]:
    return {model._meta.label: model._default_manager.count() for model in apps.get_models()}


def test_a_second_run_creates_nothing():
    seed_demo()
    after_first = row_counts()

    output = seed_demo()

    assert row_counts() == after_first
    assert "(0 created now)" in output


def test_the_demo_fills_every_stage():
    seed_demo()

    counts = row_counts()
    for label in [
        "rma.Warehouse", "rma.Client", "rma.ReturnPolicy", "rma.Customer", "rma.Order", "rma.OrderLine",
        "rma.ReturnRequest", "rma.ReturnItem", "rma.ReturnEvent", "rma.ReceivingScan", "rma.UnexpectedParcel",
        "rma.CarrierEvent",
        "rma.ExtraUnit",
        "inspection.Inspection", "disposition.DispositionRule", "disposition.Disposition",
        "disposition.StockMovement", "refunds.Refund", "refunds.RefundApproval", "refunds.StoreCreditEntry",
    ]:
        assert counts[label] > 0, label
    assert Client.objects.filter(code__in=["hafenwerk", "kestrel"]).count() == 2


def test_returns_exist_in_every_state_with_at_least_three_authorized():
    seed_demo()

    states = list(ReturnRequest.objects.values_list("state", flat=True))

    assert set(states) == set(ReturnState.values)
    assert states.count(ReturnState.AUTHORIZED) >= 3


def test_every_return_got_to_its_state_through_recorded_transitions():
    seed_demo()

    for rma in ReturnRequest.objects.all():
        transitions = [e for e in rma.events.order_by("at", "id") if e.from_state != e.to_state]
        assert transitions[0].action == "request", rma
        chain = [ReturnState.REQUESTED] + [e.to_state for e in transitions[1:]]
        assert [e.from_state for e in transitions[1:]] == chain[:-1], rma
        assert chain[-1] == rma.state, rma
        assert getattr(rma, f"{rma.state}_at") == rma.state_entered_at, rma


def test_the_carrier_feed_applied_recorded_and_reported_an_unknown_tracking_number():
    seed_demo()

    outcomes = set(CarrierEvent.objects.values_list("outcome", flat=True))

    assert outcomes == {
        CarrierEventOutcome.APPLIED, CarrierEventOutcome.RECORDED, CarrierEventOutcome.UNKNOWN_TRACKING,
    }


def test_refunds_follow_the_return_state():
    seed_demo()

    for rma in ReturnRequest.objects.filter(state=ReturnState.DISPOSITIONED):
        assert rma.refunds.get().status == RefundStatus.PENDING_APPROVAL
    for rma in ReturnRequest.objects.filter(state=ReturnState.REFUNDED):
        refund = rma.refunds.get()
        assert refund.status == RefundStatus.ISSUED and refund.external_reference
        assert refund.approvals.filter(approver__username="finance").exists()
    assert Refund.objects.filter(status=RefundStatus.DENIED).exists()
    assert StoreCreditEntry.objects.filter(kind="bonus").exists()


@pytest.mark.parametrize("group", STAFF_GROUPS)
def test_each_demo_user_is_staff_in_its_group(group):
    seed_demo()

    user = User.objects.get(username=group)

    assert user.is_staff and user.is_active and not user.is_superuser
    assert list(user.groups.values_list("name", flat=True)) == [group]


def test_the_client_api_account_belongs_to_one_client_and_is_not_staff():
    output = seed_demo()

    account = ClientAccount.objects.select_related("user", "client").get(user__username="hafenwerk-api")

    assert not account.user.is_staff
    assert list(account.user.groups.values_list("name", flat=True)) == ["client_api"]
    assert account.client.code == "hafenwerk"
    [key] = account.api_keys.all()
    shown = output.split("API key of hafenwerk-api (shown this once; docs/api.md): ")[1].split()[0]
    assert digest_of(shown) == key.digest


def test_a_second_run_issues_no_second_key_and_shows_none():
    seed_demo()
    again = seed_demo()

    assert ApiKey.objects.count() == 1
    assert "hafenwerk-api has an API key already" in again


def test_the_clients_own_staff_have_a_console_login_and_nothing_more():
    seed_demo()

    account = ClientAccount.objects.select_related("user", "client").get(user__username="hafenwerk-team")

    assert account.client.code == "hafenwerk" and not account.user.is_staff
    assert not account.user.groups.exists() and account.user.has_usable_password()


def test_admin_is_a_superuser():
    seed_demo()

    admin = User.objects.get(username="admin")

    assert admin.is_superuser and admin.is_staff


def test_demo_users_share_the_default_password_and_it_is_printed(monkeypatch):
    monkeypatch.delenv("DEMO_PASSWORD", raising=False)

    output = seed_demo()

    for username in [*STAFF_GROUPS, "admin", "hafenwerk-api"]:
        assert User.objects.get(username=username).check_password("demo-pass-2026"), username
        assert username in output
    assert "demo-pass-2026" in output


def test_demo_password_comes_from_the_environment_when_set(monkeypatch):
    monkeypatch.setenv("DEMO_PASSWORD", "another-secret-42")

    output = seed_demo()

    assert User.objects.get(username="manager").check_password("another-secret-42")
    assert "another-secret-42" in output


def test_it_refuses_rather_than_expire_another_authorized_return_early(staff):
    other = return_in_state(ReturnState.AUTHORIZED, staff=staff, ran_validity_days=5)

    with pytest.raises(CommandError, match="would also expire"):
        seed_demo()

    assert ReturnRequest.objects.get(pk=other.pk).state == ReturnState.AUTHORIZED
    assert not Client.objects.filter(code__in=["hafenwerk", "kestrel"]).exists()


# -- two sites -------------------------------------------------------------------------------------


def test_two_warehouses_a_route_and_a_dock_user_at_each_site():
    seed_demo()

    assert set(Warehouse.objects.values_list("code", flat=True)) == {"lej1", "ewr2"}
    assert list(WarehouseRoute.objects.values_list("client__code", "country", "warehouse__code")) == [
        ("kestrel", "DE", "lej1")
    ]
    assert dict(WarehouseAssignment.objects.values_list("user__username", "warehouse__code")) == {
        "dock": "lej1", "dock-edison": "ewr2",
    }
    assert User.objects.get(username="dock-edison").groups.get().name == "dock"


def test_a_return_from_germany_is_routed_by_the_route_and_the_others_by_their_clients_default():
    seed_demo()

    routed = ReturnRequest.objects.exclude(warehouse=None).select_related("client", "customer")

    for rma in routed:
        by_route = rma.client.code == "kestrel" and rma.customer.country == "DE"
        assert rma.warehouse.code == ("lej1" if by_route else rma.client.default_warehouse.code), rma
    assert routed.filter(client__code="kestrel", warehouse__code="lej1").count() == 2


def test_every_scan_happened_at_a_site_and_one_parcel_waits_to_be_forwarded():
    seed_demo()

    assert not ReceivingScan.objects.filter(warehouse=None).exists()
    forwarded = ReceivingScan.objects.get(wrong_site=True)
    assert (forwarded.warehouse.code, forwarded.return_request.warehouse.code) == ("ewr2", "lej1")


# -- three months of history -----------------------------------------------------------------------


def test_several_hundred_returns_over_the_last_three_months_for_both_clients_made_once():
    output = seed_demo(history=350)
    after_first = row_counts()

    returns = ReturnRequest.objects.all()
    requested = list(returns.values_list("requested_at", flat=True))
    assert 300 <= returns.count() <= 500 and f"{returns.count()} created now" in output
    assert timezone.now() - min(requested) > dt.timedelta(days=75)
    assert len({(moment.year, moment.month) for moment in requested}) >= 3
    for code in ["hafenwerk", "kestrel"]:
        assert returns.filter(client__code=code, state=ReturnState.REFUNDED).count() > 50, code
        assert set(returns.filter(client__code=code).values_list("state", flat=True)) >= {
            "authorized", "in_transit", "refunded", "closed", "cancelled", "expired"
        }, code

    assert "(0 created now)" in seed_demo(history=350)
    assert row_counts() == after_first


def test_a_past_return_happened_at_its_own_time_step_after_step():
    seed_demo(history=60)

    old = ReturnRequest.objects.filter(
        state=ReturnState.REFUNDED, requested_at__lt=timezone.now() - dt.timedelta(days=30)
    ).first()

    moments = [old.requested_at, old.received_at, old.inspected_at, old.dispositioned_at, old.refunded_at]
    assert moments == sorted(moments)
    assert old.refunded_at < timezone.now() - dt.timedelta(days=20)
    assert old.refunds.get().issued_at == old.refunded_at


def test_a_negative_history_is_refused():
    with pytest.raises(CommandError, match="--history"):
        seed_demo(history=-1)
