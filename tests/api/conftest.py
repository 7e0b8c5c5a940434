import pytest
from django.core.cache import cache
from rest_framework.test import APIClient

from api.services import issue_api_key
from tests.factories import Staff, client_account, client_with_policy, user_in


class KeyHolder:
    """A client merchant, its API account and a key; `api` sends the key with every request."""

    def __init__(self, **policy) -> None:
        self.client = client_with_policy(**policy)
        self.user = client_account(self.client)
        self.issued = issue_api_key(account=self.user.client_account, actor=user_in("manager"), name="shop")
        self.key = self.issued.key
        self.api = APIClient()
        self.api.credentials(HTTP_AUTHORIZATION=f"Token {self.key}")


@pytest.fixture(autouse=True)
def fresh_throttles():
    cache.clear()  # throttle counts live in the cache, which outlives a test's database


@pytest.fixture
def shop(db) -> KeyHolder:
    """A merchant whose returns wait for customer service (so tests bring them to any state)."""
    return KeyHolder(auto_authorize=False)


@pytest.fixture
def instant_shop(db) -> KeyHolder:
    """A merchant whose policy authorizes a return at once."""
    return KeyHolder(auto_authorize=True)


@pytest.fixture
def other_shop(db) -> KeyHolder:
    return KeyHolder(auto_authorize=False)


@pytest.fixture
def facility(db) -> Staff:
    return Staff()
