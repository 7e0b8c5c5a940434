import re

from django.test import Client as Browser

from api.models import ApiKey
from api.services import digest_of
from tests.factories import user_in


def _signed_in(group: str) -> Browser:
    browser = Browser()
    browser.force_login(user_in(group))
    return browser


def test_a_manager_issues_a_key_shown_once_and_revokes_it(shop):
    manager = _signed_in("manager")
    page = manager.post("/admin/api/apikey/issue/", {"account": shop.user.client_account.pk, "name": "erp"})
    assert page.status_code == 200
    key = re.search(r'<code id="api-key">(rk_[^<]+)</code>', page.content.decode()).group(1)
    record = ApiKey.objects.get(digest=digest_of(key))
    assert record.name == "erp"

    listing = manager.get("/admin/api/apikey/").content.decode()
    assert record.prefix in listing
    assert key not in listing
    assert key not in manager.get(f"/admin/api/apikey/{record.pk}/change/").content.decode()

    manager.post("/admin/api/apikey/", {"action": "revoke_selected", "_selected_action": [record.pk]})
    assert ApiKey.objects.get(pk=record.pk).revoked_at is not None


def test_a_key_needs_a_name(shop):
    page = _signed_in("manager").post("/admin/api/apikey/issue/", {"account": shop.user.client_account.pk})
    assert "This field is required" in page.content.decode()
    assert ApiKey.objects.count() == 1


def test_others_may_not_issue_keys(shop):
    assert _signed_in("customer_service").get("/admin/api/apikey/issue/").status_code == 403
    assert _signed_in("finance").post(
        "/admin/api/apikey/issue/", {"account": shop.user.client_account.pk, "name": "x"}
    ).status_code == 403
    assert ApiKey.objects.count() == 1
