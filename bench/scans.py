"""Benchmark of dock receiving: 1,000 scans through rma.services.receive_scan, then 1,000 through the dock's
JSON endpoint (django.test.Client, so the HTTP stack without a network).

Each run is a realistic mix: 80 % valid RANs of authorized or in-transit returns, 10 % duplicates (a
parcel scanned again after it was received), 5 % mistyped RANs (one symbol changed) and 5 % unknown
parcel codes. The data (returns made through the services) lives in a throwaway database that
Django's test database helpers create next to the one DATABASE_URL names (its name prefixed
`bench_scans_`) and drop at the end. Run it on PostgreSQL, as in production:

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/returns .venv/bin/python bench/scans.py
    DATABASE_URL=... .venv/bin/python bench/scans.py --scans 2000 --seed 7

Without DATABASE_URL it runs on an in-memory SQLite database, which says little about production.
It prints scans per second and the median and 95th-percentile time of one scan for each path.
"""

import argparse
import os
import random
import statistics
import sys
import time
from collections import Counter
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "returns_site.settings")

import django

django.setup()

from django.contrib.auth.models import Group, User  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client as HttpClient  # noqa: E402
from django.test.utils import (  # noqa: E402
    setup_databases,
    setup_test_environment,
    teardown_databases,
    teardown_test_environment,
)
from django.urls import reverse  # noqa: E402
from django.utils import timezone  # noqa: E402

from rma import ran as ran_codes  # noqa: E402
from rma import services as rma_services  # noqa: E402
from rma.models import Client, Customer, Order, OrderLine, ReturnPolicy, Warehouse  # noqa: E402

SHARE_DUPLICATE, SHARE_MISTYPED, SHARE_UNKNOWN = 0.10, 0.05, 0.05


def staff_user(username: str, group: str) -> User:
    user = User.objects.create_user(username=username, is_staff=True)
    user.groups.add(Group.objects.get(name=group))
    return User.objects.get(pk=user.pk)


def authorized_returns(count: int, *, clerk: User, tag: str) -> list[str]:
    """`count` returns through the services, every third marked in transit; their RANs."""
    warehouse = Warehouse.objects.create(code=f"wh-{tag}", name="Bench warehouse")
    client = Client.objects.create(code=f"bench-{tag}", name=f"Bench client {tag}", default_warehouse=warehouse,
                                   dock_instructions="Lane 1")
    ReturnPolicy.objects.create(client=client, version=1, accepted_reasons=["defective"], auto_authorize=True)
    customer = Customer.objects.create(client=client, email=f"customer-{tag}@example.com")
    now = timezone.now()
    orders = Order.objects.bulk_create(
        Order(client=client, customer=customer, number=f"{tag}-{n:06d}", ordered_at=now, delivered_at=now,
              payment_method="card")
        for n in range(count)
    )
    lines = OrderLine.objects.bulk_create(
        OrderLine(order=order, line_number=1, sku="SKU-1", quantity=1, unit_price=Decimal("25.00"))
        for order in orders
    )
    rans = []
    for position, (order, line) in enumerate(zip(orders, lines, strict=True)):
        rma = rma_services.create_return_request(
            order=order, items=[{"order_line": line, "quantity": 1, "reason": "defective"}],
            channel="phone", actor=clerk,
        )
        if position % 3 == 0:
            rma = rma_services.mark_in_transit(rma=rma, actor=clerk, carrier="DHL", tracking_number=f"JJD{rma.pk}")
        rans.append(rma.ran)
    return rans


def one_symbol_changed(ran: str) -> str:
    position = len("RA-")
    return ran[:position] + ("7" if ran[position] != "7" else "8") + ran[position + 1:]


def scan_mix(rans: list[str], total: int, rng: random.Random) -> list[str]:
    """Valid RANs in random order, each duplicate after its first scan, mistyped and unknown codes anywhere."""
    duplicates, mistyped, unknown = (round(total * share) for share in (SHARE_DUPLICATE, SHARE_MISTYPED, SHARE_UNKNOWN))
    valid = total - duplicates - mistyped - unknown
    codes = rng.sample(rans, valid)
    for ran in rng.sample(codes, duplicates):
        codes.insert(rng.randint(codes.index(ran) + 1, len(codes)), ran)
    for code in [one_symbol_changed(ran) for ran in rng.sample(codes, mistyped)] + [
        f"JJD{rng.randrange(10**17, 10**18)}" for _ in range(unknown)
    ]:
        codes.insert(rng.randint(0, len(codes)), code)
    return codes


def timed(codes: list[str], scan: Callable[[str], str]) -> tuple[float, list[float], Counter]:
    durations, results = [], Counter()
    started = time.perf_counter()
    for code in codes:
        before = time.perf_counter()
        results[scan(code)] += 1
        durations.append(time.perf_counter() - before)
    return time.perf_counter() - started, durations, results


def report(label: str, elapsed: float, durations: list[float], results: Counter) -> None:
    p95 = statistics.quantiles(durations, n=20)[-1]
    mix = ", ".join(f"{result} {count}" for result, count in sorted(results.items()))
    print(f"{label:<9} {len(durations)} scans in {elapsed:.2f} s: {len(durations) / elapsed:,.0f} scans/s "
          f"(median {statistics.median(durations) * 1000:.1f} ms, p95 {p95 * 1000:.1f} ms) [{mix}]")


def run(total: int, seed: int) -> None:
    rng = random.Random(seed)
    dock, clerk = staff_user("bench-dock", "dock"), staff_user("bench-clerk", "customer_service")
    valid = total - round(total * (SHARE_DUPLICATE + SHARE_MISTYPED + SHARE_UNKNOWN))
    started = time.perf_counter()
    service_rans = authorized_returns(valid, clerk=clerk, tag="service")
    endpoint_rans = authorized_returns(valid, clerk=clerk, tag="endpoint")
    print(f"{connection.vendor}: {2 * valid} authorized returns made through the services in "
          f"{time.perf_counter() - started:.0f} s")
    assert all(ran_codes.parse_ran(ran) for ran in service_rans + endpoint_rans)

    elapsed, durations, results = timed(
        scan_mix(service_rans, total, rng), lambda code: rma_services.receive_scan(code=code, actor=dock).result
    )
    report("service", elapsed, durations, results)

    browser = HttpClient()
    browser.force_login(dock)
    endpoint = reverse("admin:dock_scan")
    elapsed, durations, results = timed(
        scan_mix(endpoint_rans, total, rng), lambda code: browser.post(endpoint, {"code": code}).json()["result"]
    )
    report("endpoint", elapsed, durations, results)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--scans", type=int, default=1000, help="scans per run (default 1000)")
    parser.add_argument("--seed", type=int, default=2026, help="seed of the scan mix")
    arguments = parser.parse_args()
    if connection.vendor != "sqlite":  # SQLite's test database is in memory already
        connection.settings_dict["TEST"]["NAME"] = f"bench_scans_{connection.settings_dict['NAME']}"
    setup_test_environment()
    databases = setup_databases(verbosity=0, interactive=False)
    try:
        run(arguments.scans, arguments.seed)
    finally:
        teardown_databases(databases, verbosity=0)
        teardown_test_environment()


if __name__ == "__main__":
    main()
