"""bench/generate.py: a generated database is one the app itself could have made, at benchmark scale."""

import importlib.util
from collections import defaultdict
from decimal import Decimal
from pathlib import Path

import pytest
from django.contrib.auth.models import User
from django.db import connection, models, transaction
from django.db.models import Count, Sum
from django.utils import timezone

from inspection.models import Inspection
from refunds.models import Refund, RefundStatus, StoreCreditEntry
from rma import states
from rma.models import ReceivingScan, ReturnEvent, ReturnItem, ReturnRequest, ReturnState
from tests import tools

RETURNS = 1000
SPEC = importlib.util.spec_from_file_location(
    "bench_generate", Path(__file__).resolve().parents[2] / "bench" / "generate.py"
)
bench_generate = importlib.util.module_from_spec(SPEC)
SPEC.loader.exec_module(bench_generate)


def _checks_of_loaded_tables() -> dict[str, set[str]]:
    with connection.cursor() as cursor:
        return {
            model._meta.db_table: set(connection.introspection.get_constraints(cursor, model._meta.db_table))
            for model in bench_generate.LOADED
        }


@pytest.fixture(scope="module")
def generated(django_db_setup, django_db_blocker):
    """1,000 returns generated once for the module, rolled back after it."""
    if connection.vendor != "postgresql":
        tools.missing("bench/generate.py needs PostgreSQL: set DATABASE_URL (make test does)")
    with django_db_blocker.unblock(), transaction.atomic():
        checks_before = _checks_of_loaded_tables()
        counts = bench_generate.generate(returns=RETURNS, seed=1)
        yield {"counts": counts, "checks_before": checks_before}
        transaction.set_rollback(True)


@pytest.fixture
def manager_client(generated, db, client):
    client.force_login(User.objects.get(username=bench_generate.MANAGER))
    return client


def test_it_makes_the_returns_asked_for_and_counts_them(generated, db):
    assert ReturnRequest.objects.count() == RETURNS
    assert generated["counts"]["rma_returnrequest"] == RETURNS
    assert generated["counts"]["rma_returnevent"] == ReturnEvent.objects.count()


def test_every_return_is_in_the_state_its_last_transition_reached(generated, db):
    last_transition = {}
    for rid, from_state, to_state in ReturnEvent.objects.order_by("at", "id").values_list(
        "return_request_id", "from_state", "to_state"
    ):
        if from_state != to_state:
            last_transition[rid] = to_state
    wrong = [(rid, state) for rid, state in ReturnRequest.objects.values_list("id", "state")
             if last_transition.get(rid) != state]
    assert wrong == []


def test_each_event_starts_where_the_one_before_ended(generated, db):
    reached = {}
    for rid, from_state, to_state, action in ReturnEvent.objects.order_by("at", "id").values_list(
        "return_request_id", "from_state", "to_state", "action"
    ):
        assert from_state == reached.get(rid, ""), (rid, action)
        reached[rid] = to_state


def test_nothing_happened_in_the_future(generated, db):
    assert ReturnEvent.objects.order_by("-at").first().at <= timezone.now()


def test_every_state_is_present_and_older_returns_are_further_along(generated, db):
    by_state = dict(ReturnRequest.objects.values_list("state").annotate(n=Count("id")))
    assert set(by_state) == set(ReturnState.values)
    assert by_state[ReturnState.REFUNDED] == max(by_state.values())
    now = timezone.now()
    age = {state: (now - ReturnRequest.objects.filter(state=state).order_by("requested_at")[
        by_state[state] // 2].requested_at).days for state in (ReturnState.REFUNDED, ReturnState.AUTHORIZED)}
    assert age[ReturnState.REFUNDED] > age[ReturnState.AUTHORIZED]
    assert ReturnRequest.objects.order_by("requested_at").first().requested_at > now - timezone.timedelta(days=91)


def test_each_return_has_the_rows_its_state_implies(generated, db):
    returns = ReturnRequest.objects.in_bulk()
    scanned = set(ReceivingScan.objects.values_list("return_request_id", flat=True))
    inspected_units = set(Inspection.objects.values_list("item_id", flat=True))
    units = defaultdict(set)
    for item_id, rid in ReturnItem.objects.values_list("id", "return_request_id"):
        units[rid].add(item_id)
    issued = set(Refund.objects.filter(status=RefundStatus.ISSUED).values_list("return_request_id", flat=True))
    for rma in returns.values():
        assert bool(rma.ran) == (rma.authorized_at is not None), rma.pk
        assert rma.ran or rma.state in states.MAY_BE_UNROUTED, rma.pk
        assert (rma.pk in scanned) == (rma.state in states.RECEIVED_OR_LATER), rma.pk
        if rma.state == ReturnState.IN_TRANSIT:
            assert rma.carrier and rma.tracking_number
        if rma.inspected_at:
            assert units[rma.pk] <= inspected_units
        assert (rma.pk in issued) == (rma.state == ReturnState.REFUNDED)


def test_a_refund_never_exceeds_what_was_paid_for_its_units(generated, db):
    refunds = Refund.objects.filter(status=RefundStatus.ISSUED).select_related("return_request")
    assert refunds.exists()
    paid = dict(ReturnItem.objects.values("return_request_id").annotate(paid=Sum("order_line__unit_price"))
                .values_list("return_request_id", "paid"))
    for refund in refunds:
        assert Decimal("0") < refund.amount <= paid[refund.return_request_id]


def test_store_credit_refunds_are_in_the_ledger(generated, db):
    refunds = Refund.objects.filter(status=RefundStatus.ISSUED, method="store_credit")
    assert refunds.exists()
    for refund in refunds:
        credited = StoreCreditEntry.objects.filter(refund=refund).aggregate(total=Sum("amount"))["total"]
        assert credited == refund.amount + refund.bonus_amount


def test_unique_constraints_hold(generated, db):
    for model in bench_generate.LOADED:
        groups = [(field.attname,) for field in model._meta.concrete_fields if field.unique and not field.primary_key]
        groups += [tuple(model._meta.get_field(name).attname for name in constraint.fields)
                   for constraint in model._meta.constraints
                   if isinstance(constraint, models.UniqueConstraint) and constraint.condition is None]
        for fields in groups:
            duplicates = (model._base_manager.exclude(**{f"{fields[0]}__isnull": True}).values(*fields)
                          .annotate(n=Count("pk")).filter(n__gt=1))
            assert not duplicates.exists(), (model._meta.label, fields)


def test_foreign_keys_and_indexes_dropped_for_the_load_are_back(generated, db):
    assert _checks_of_loaded_tables() == generated["checks_before"]


@pytest.mark.parametrize("page", ["/admin/", "/admin/rma/returnrequest/", "/admin/rma/returnrequest/?state=refunded"])
def test_the_manager_sees_the_back_office_pages(manager_client, page):
    assert manager_client.get(page).status_code == 200


@pytest.mark.parametrize("state", [ReturnState.REFUNDED, ReturnState.CLOSED, ReturnState.REQUESTED])
def test_the_manager_sees_a_return_page(manager_client, state):
    rma = ReturnRequest.objects.filter(state=state).first()
    response = manager_client.get(f"/admin/rma/returnrequest/{rma.pk}/change/")
    assert response.status_code == 200
    assert rma.ran is None or rma.ran in response.content.decode()


def test_a_new_field_without_a_default_stops_the_generator_naming_it():
    field = models.IntegerField()
    field.set_attributes_from_name("pallet_number")
    with pytest.raises(bench_generate.GeneratorError, match=r"rma\.ReturnRequest\.pallet_number"):
        bench_generate._filler(ReturnRequest, field, timezone.now())
