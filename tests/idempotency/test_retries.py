"""Idempotency-Key on a POST: the retry gets the first answer byte for byte and changes nothing."""

import datetime as dt
import json
import threading

import pytest
from django.contrib.auth.models import Group, User
from django.db import connections
from django.utils import timezone
from rest_framework.test import APIClient

from idempotency import services
from idempotency.models import IdempotencyKey, KeyState
from idempotency.services import Fingerprint
from tests.idempotency.urls import failures, hold

pytestmark = pytest.mark.urls("tests.idempotency.urls")
BODY = {"name": "returns team"}


@pytest.fixture(autouse=True)
def nothing_held_or_failing():
    hold.update(active=False)
    hold["entered"].clear()
    hold["release"].clear()
    failures["to_come"] = 0
    yield
    hold["release"].set()


def made_by_the_view():
    """The groups the test view made (the project's own groups come from a migration)."""
    return Group.objects.filter(name__regex=r" [0-9a-f]{8}$")


def made() -> int:
    return made_by_the_view().count()


def api_for(user: User) -> APIClient:
    api = APIClient(raise_request_exception=False)
    api.force_authenticate(user)
    return api


@pytest.fixture
def account(db) -> User:
    return User.objects.create_user("shop-a")


def post(api: APIClient, body=BODY, key: str | None = "order-1001"):
    headers = {"HTTP_IDEMPOTENCY_KEY": key} if key is not None else {}
    return api.post("/groups/", data=json.dumps(body), content_type="application/json", **headers)


def test_a_retry_gets_the_first_response_byte_for_byte_and_makes_nothing_new(account):
    api = api_for(account)
    first = post(api)
    again = post(api)
    assert first.status_code == again.status_code == 201
    assert again.content == first.content
    assert again["Content-Type"] == first["Content-Type"]
    assert again["Location"] == first["Location"]
    assert again["Idempotent-Replayed"] == "true" and "Idempotent-Replayed" not in first
    assert made() == 1


def test_without_the_header_every_post_runs(account):
    api = api_for(account)
    assert post(api, key=None).content != post(api, key=None).content
    assert made() == 2
    assert not IdempotencyKey.objects.exists()


def test_the_same_key_with_a_different_body_is_a_422_and_runs_nothing(account):
    api = api_for(account)
    post(api)
    reused = post(api, body={"name": "someone else"})
    assert reused.status_code == 422
    assert reused.json()["code"] == "idempotency_key_reused"
    assert set(reused.json()) == {"code", "message", "fields"}
    assert made() == 1


def test_keys_belong_to_one_account_so_two_clients_may_use_the_same_key(account):
    other = User.objects.create_user("shop-b")
    mine, theirs = post(api_for(account)), post(api_for(other))
    assert mine.status_code == theirs.status_code == 201
    assert mine.content != theirs.content
    assert made() == 2


def test_a_refused_input_is_answered_the_same_way_again(account):
    api = api_for(account)
    first, again = post(api, body={}), post(api, body={})
    assert first.status_code == again.status_code == 400
    assert again.content == first.content and again["Idempotent-Replayed"] == "true"


def test_a_server_error_is_not_kept_its_work_is_undone_and_the_retry_runs(account):
    failures["to_come"] = 1
    api = api_for(account)
    broken = post(api)
    assert broken.status_code == 500
    assert made() == 0
    assert not IdempotencyKey.objects.exists()
    retried = post(api)
    assert retried.status_code == 201 and "Idempotent-Replayed" not in retried
    assert made() == 1


def test_a_request_without_a_valid_login_claims_nothing(db):
    answer = post(APIClient())
    assert answer.status_code in (401, 403)
    assert not IdempotencyKey.objects.exists()


@pytest.mark.parametrize("key", ["", "   ", "k" * 256, "order\x01", "bestellung-ä"])
def test_a_bad_key_is_a_400_naming_the_header(account, key):
    answer = post(api_for(account), key=key)
    assert answer.status_code == 400
    assert answer.json()["code"] == "invalid_idempotency_key"
    assert list(answer.json()["fields"]) == ["Idempotency-Key"]
    assert made() == 0


def test_a_key_of_255_characters_is_fine(account):
    assert post(api_for(account), key="k" * 255).status_code == 201


def claimed_elsewhere(account: User, *, at: dt.datetime) -> None:
    """A process claimed the key at `at` for the same request and has not answered."""
    request = Fingerprint.of(method="POST", path="/groups/", body=json.dumps(BODY).encode())
    services.claim_key(account=account, key="order-1001", request=request, now=at)


def test_a_claim_within_its_lease_is_a_409_with_retry_after(account):
    claimed_elsewhere(account, at=timezone.now())
    answer = post(api_for(account))
    assert answer.status_code == 409
    assert answer.json()["code"] == "idempotency_key_in_use"
    assert answer["Retry-After"] == "1"
    assert made() == 0


def test_a_claim_whose_process_died_is_taken_over_by_the_retry(account):
    claimed_elsewhere(account, at=timezone.now() - dt.timedelta(minutes=5))
    assert post(api_for(account)).status_code == 201
    assert IdempotencyKey.objects.get().state == KeyState.COMPLETED
    assert made() == 1


def in_thread(work) -> tuple[threading.Thread, dict]:
    result = {}

    def run():
        try:
            result["response"] = work()
        finally:
            connections.close_all()

    thread = threading.Thread(target=run)
    thread.start()
    return thread, result


@pytest.mark.django_db(transaction=True, serialized_rollback=True)  # the groups of the migrations survive
def test_a_retry_while_the_first_still_runs_is_a_409_then_gets_the_answer(postgres_only):
    account = User.objects.create_user("shop-a")
    hold["active"] = True
    first, result = in_thread(lambda: post(api_for(account)))
    assert hold["entered"].wait(timeout=20)
    hold["active"] = False
    meanwhile = post(api_for(account))
    assert meanwhile.status_code == 409
    hold["release"].set()
    first.join(timeout=20)
    assert result["response"].status_code == 201
    later = post(api_for(account))
    assert later.status_code == 201 and later.content == result["response"].content
    assert made() == 1


@pytest.mark.django_db(transaction=True, serialized_rollback=True)  # the groups of the migrations survive
def test_a_first_request_overtaken_after_its_lease_is_undone_and_the_retry_counts(postgres_only, settings):
    settings.IDEMPOTENCY_LEASE_SECONDS = 0
    account = User.objects.create_user("shop-a")
    hold["active"] = True
    first, result = in_thread(lambda: post(api_for(account)))
    assert hold["entered"].wait(timeout=20)
    hold["active"] = False
    retry = post(api_for(account))
    hold["release"].set()
    first.join(timeout=20)
    assert retry.status_code == 201
    assert result["response"].status_code == 409
    assert list(made_by_the_view().values_list("pk", flat=True)) == [retry.json()["id"]]
    assert post(api_for(account)).content == retry.content
