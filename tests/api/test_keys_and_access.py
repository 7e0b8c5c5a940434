import io

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from rest_framework.test import APIClient

from api.models import ApiKey
from api.services import digest_of, issue_api_key, revoke_api_key
from core.errors import PermissionRefused
from tests.factories import order_for, user_in

PATHS = ["/api/v1/returns/", "/api/v1/refunds/", "/api/v1/events/", "/api/v1/orders/X-1/"]


@pytest.mark.parametrize("path", PATHS)
def test_no_key_is_a_401_that_says_how_to_authenticate(db, path):
    response = APIClient().get(path)
    assert response.status_code == 401
    assert response["WWW-Authenticate"] == "Token"
    assert response.json()["code"] == "not_authenticated"


@pytest.mark.parametrize("header", ["Token rk_wrong", "Token", "Token a b", "Bearer rk_x"])
def test_a_bad_key_is_a_401(db, header):
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=header)
    assert api.get("/api/v1/returns/").status_code == 401


def test_a_revoked_key_stops_working_and_the_accounts_other_keys_go_on(shop):
    second = issue_api_key(account=shop.user.client_account, actor=user_in("manager"), name="warehouse app")
    revoke_api_key(api_key=shop.issued.record, actor=user_in("manager"))
    assert shop.api.get("/api/v1/returns/").status_code == 401
    other = APIClient()
    other.credentials(HTTP_AUTHORIZATION=f"Token {second.key}")
    assert other.get("/api/v1/returns/").status_code == 200


def test_a_deactivated_account_is_refused(shop):
    shop.user.is_active = False
    shop.user.save()
    assert shop.api.get("/api/v1/returns/").status_code == 401


def test_a_staff_user_signed_in_to_the_back_office_is_no_api_client(shop):
    staff = APIClient()
    staff.force_login(user_in("manager"))
    assert staff.get("/api/v1/returns/").status_code == 401
    assert staff.post("/api/v1/returns/", {}, format="json").status_code == 401


def test_only_the_digest_is_stored_and_use_is_recorded(shop):
    record = ApiKey.objects.get(pk=shop.issued.record.pk)
    assert record.digest == digest_of(shop.key)
    assert shop.key not in str(ApiKey.objects.values().get(pk=record.pk))
    assert shop.key.startswith(record.prefix)
    shop.api.get("/api/v1/returns/")
    assert ApiKey.objects.get(pk=record.pk).last_used_at is not None


@pytest.mark.parametrize("group", ["customer_service", "dock", "inspector", "finance"])
def test_only_managers_issue_and_revoke_keys(shop, group):
    with pytest.raises(PermissionRefused):
        issue_api_key(account=shop.user.client_account, actor=user_in(group), name="x")
    with pytest.raises(PermissionRefused):
        revoke_api_key(api_key=shop.issued.record, actor=user_in(group))
    with pytest.raises(PermissionRefused):
        issue_api_key(account=shop.user.client_account, actor=shop.user, name="x")


def test_create_api_token_prints_the_key_last(shop):
    out = io.StringIO()
    call_command("create_api_token", shop.user.username, "--name", "erp", stdout=out)
    key = out.getvalue().strip().splitlines()[-1]
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    assert api.get("/api/v1/returns/").status_code == 200
    assert ApiKey.objects.get(digest=digest_of(key)).name == "erp"


def test_create_api_token_refuses_a_staff_user(db):
    with pytest.raises(CommandError, match="not a client account"):
        call_command("create_api_token", user_in("manager").username)
    with pytest.raises(CommandError, match="No user"):
        call_command("create_api_token", "nobody")


def test_throttled_per_client_account_with_retry_after(shop, settings):
    settings.API_THROTTLE_RATE = "2/minute"
    order = order_for(shop.client)
    assert shop.api.get(f"/api/v1/orders/{order.number}/").status_code == 200
    assert shop.api.get("/api/v1/returns/").status_code == 200
    throttled = shop.api.get("/api/v1/events/")
    assert throttled.status_code == 429
    assert int(throttled["Retry-After"]) > 0
    assert throttled.json()["code"] == "throttled"
