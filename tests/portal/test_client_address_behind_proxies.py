"""The portal's per-address limit counts the customer's address, also behind trusted reverse proxies,
and never an X-Forwarded-For the customer wrote themselves."""

import pytest
from django.test import Client

from tests.portal.conftest import look_up


def from_address(remote_addr: str, forwarded_for: str | None = None) -> Client:
    headers = {"HTTP_X_FORWARDED_FOR": forwarded_for} if forwarded_for is not None else {}
    return Client(REMOTE_ADDR=remote_addr, **headers)


@pytest.fixture
def two_lookups_per_address(settings):
    settings.PORTAL_LOOKUPS_PER_IP = 2


def use_up_the_limit(browser: Client, order) -> None:
    for number in range(2):
        assert look_up(browser, order, number=f"HW-{number}").status_code == 200


def test_without_trusted_proxies_a_forged_forwarded_for_does_not_reset_the_limit(order, two_lookups_per_address):
    use_up_the_limit(from_address("203.0.113.7", "198.51.100.1"), order)

    assert look_up(from_address("203.0.113.7", "198.51.100.2"), order, number="HW-9").status_code == 429


def test_behind_one_proxy_each_customer_has_a_limit_of_their_own(order, settings, two_lookups_per_address):
    settings.TRUSTED_PROXY_COUNT = 1
    use_up_the_limit(from_address("10.0.0.2", "203.0.113.7"), order)

    assert look_up(from_address("10.0.0.2", "203.0.113.7"), order, number="HW-9").status_code == 429
    assert look_up(from_address("10.0.0.2", "203.0.113.8"), order, number="HW-9").status_code == 200


def test_behind_one_proxy_what_the_customer_put_before_the_proxys_entry_is_ignored(
    order, settings, two_lookups_per_address,
):
    settings.TRUSTED_PROXY_COUNT = 1
    use_up_the_limit(from_address("10.0.0.2", "198.51.100.1, 203.0.113.7"), order)

    assert look_up(from_address("10.0.0.2", "198.51.100.2, 203.0.113.7"), order, number="HW-9").status_code == 429


def test_behind_two_proxies_the_outer_proxys_entry_names_the_customer(order, settings, two_lookups_per_address):
    settings.TRUSTED_PROXY_COUNT = 2
    use_up_the_limit(from_address("10.0.0.2", "forged, 203.0.113.7, 10.0.0.1"), order)

    assert look_up(from_address("10.0.0.2", "203.0.113.7, 10.0.0.1"), order, number="HW-9").status_code == 429
    assert look_up(from_address("10.0.0.2", "203.0.113.8, 10.0.0.1"), order, number="HW-9").status_code == 200
