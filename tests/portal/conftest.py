"""A merchant's portal with an order to return: the given of every portal test."""

import datetime as dt
import io
from decimal import Decimal

import pytest
from django.core.cache import cache
from django.urls import reverse
from django.utils import timezone
from PIL import Image

from tests.factories import ClientFactory, CustomerFactory, OrderFactory, OrderLineFactory, PolicyFactory


@pytest.fixture(autouse=True)
def fresh_rate_limits():
    """The lookups' counters live in the cache: each test starts with none."""
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def shop(db):
    client = ClientFactory(
        code="hafenwerk", name="Hafenwerk", languages=["en", "de"], contact_email="help@hafenwerk.example",
        portal_welcome="Moin! Returns are free within 30 days.",
    )
    PolicyFactory(
        client=client, window_days=30, final_sale_skus=["HW-SALE"], store_credit_bonus_percent=Decimal("10"),
        packing_instructions="Put the slip from the box back in the parcel.",
    )
    return client


@pytest.fixture
def order(shop):
    customer = CustomerFactory(client=shop, email="anna@example.com")
    order = OrderFactory(client=shop, customer=customer, number="HW-1001")
    OrderLineFactory(order=order, line_number=1, sku="HW-TEE", description="Organic tee", quantity=2)
    OrderLineFactory(order=order, line_number=2, sku="HW-SALE", description="Sale scarf", quantity=1)
    return order


@pytest.fixture
def late_order(shop):
    """An order delivered 40 days ago: its 30-day window has ended."""
    customer = CustomerFactory(client=shop, email="ben@example.com")
    now = timezone.now()
    order = OrderFactory(client=shop, customer=customer, number="HW-0900", ordered_at=now - dt.timedelta(days=42),
                         delivered_at=now - dt.timedelta(days=40))
    OrderLineFactory(order=order, line_number=1, sku="HW-CAP", description="Wool cap", quantity=1)
    return order


def url(name: str, shop, **kwargs) -> str:
    return reverse(f"portal:{name}", kwargs={"client_code": shop.code, **kwargs})


def look_up(client, order, email: str | None = None, number: str | None = None):
    return client.post(url("start", order.client), {
        "order_number": number if number is not None else order.number,
        "email": email if email is not None else order.customer.email,
    })


def photo_upload(name: str = "damage.jpg", image_format: str = "JPEG"):
    buffer = io.BytesIO()
    Image.new("RGB", (64, 48), "orange").save(buffer, format=image_format)
    buffer.seek(0)
    buffer.name = name
    return buffer
