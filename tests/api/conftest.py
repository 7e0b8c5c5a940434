import pytest
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


@pytest.fixture
def shop(db) -> KeyHolder:
    return KeyHolder()


@pytest.fixture
def other_shop(db) -> KeyHolder:
    return KeyHolder()


@pytest.fixture
def facility(db) -> Staff:
    return Staff()
