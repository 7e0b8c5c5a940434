"""Benchmark: 500 returns' labels in one 4×6 PDF, as the changelist's "Print labels" makes them.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/returns .venv/bin/python bench/labels.py [--returns 500]

Without DATABASE_URL it runs on SQLite in memory. It never touches the named database: it creates
a throwaway one beside it (`<name>_bench_labels`, with Django's test-database helpers), migrates
it, makes the returns through the services (clients, policies, customers, orders of 1–3 units,
a third of them in transit with a tracking number), then times loading them with
rma.selectors.returns_for_labels and rendering the PDF, three times. It prints labels per second,
seconds (wall and CPU) and the PDF's size for each run, and drops the database at the end.
"""

import argparse
import datetime as dt
import os
import statistics
import sys
import time
from decimal import Decimal
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "returns_site.settings")

import django

django.setup()

from django.contrib.auth.models import Group, User  # noqa: E402
from django.db import connection  # noqa: E402
from django.utils import timezone  # noqa: E402

from rma import labels, selectors, services  # noqa: E402
from rma.models import Client, Customer, Order, OrderLine, ReturnPolicy, Warehouse  # noqa: E402

RUNS = 3


def make_returns(count: int) -> list[int]:
    """`count` authorized returns of three clients, made as the floor makes them."""
    agent = User.objects.create_user("bench-agent", is_staff=True)
    agent.groups.add(Group.objects.get(name="customer_service"))
    agent = User.objects.get(pk=agent.pk)
    warehouse = Warehouse.objects.create(code="lej", name="Leipzig Returns Hub", address_line1="Am Lagerplatz 7",
                                         postal_code="04109", city="Leipzig", country="DE")
    clients = []
    for number, zone in enumerate(["Europe/Berlin", "America/New_York", "Europe/Warsaw"]):
        client = Client.objects.create(code=f"bench{number}", name=f"Bench Merchant {number}", time_zone=zone,
                                       default_warehouse=warehouse)
        ReturnPolicy.objects.create(
            client=client, version=1, accepted_reasons=["defective", "changed_mind", "size_fit"],
            customer_pays_shipping_reasons=["changed_mind"], return_shipping_fee=Decimal("4.95"),
            packing_instructions="Pack shoes in their box.\nSeal the parcel with tape, not string.",
        )
        clients.append(client)
    pks = []
    ordered = timezone.now() - dt.timedelta(days=5)
    for number in range(count):
        client = clients[number % len(clients)]
        customer = Customer.objects.create(
            client=client, email=f"customer{number}@example.com", name=f"Customer {number} Łukasiewicz",
            address_line1=f"{number + 1} Linden Street", postal_code="20095", city="Hamburg", country="DE",
        )
        order = Order.objects.create(client=client, customer=customer, number=f"B-{number:05d}", ordered_at=ordered,
                                     delivered_at=ordered + dt.timedelta(days=2), payment_method="card")
        units = 1 + number % 3
        line = OrderLine.objects.create(order=order, line_number=1, sku=f"SKU-{number % 40}",
                                        description="Trail running shoe", quantity=units, unit_price=Decimal("50"))
        reason = ["defective", "changed_mind", "size_fit"][number % 3]
        rma = services.create_return_request(
            order=order, items=[{"order_line": line, "quantity": units, "reason": reason}], channel="phone",
            actor=agent,
        )
        if number % 3 == 0:
            rma = services.mark_in_transit(rma=rma, actor=agent, carrier="DHL", tracking_number=f"JJD{number:08d}")
        pks.append(rma.pk)
    return pks


def print_labels(pks: list[int]) -> tuple[float, float, int]:
    """Wall seconds, this process's CPU seconds (a busy machine inflates only the first), PDF bytes."""
    started, started_cpu = time.perf_counter(), time.process_time()
    pdf = labels.render_labels_pdf(selectors.returns_for_labels(pks=pks))
    return time.perf_counter() - started, time.process_time() - started_cpu, len(pdf)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--returns", type=int, default=500)
    count = parser.parse_args().returns
    named_database = connection.settings_dict["NAME"]
    if connection.vendor != "sqlite":
        connection.settings_dict["TEST"]["NAME"] = f"{named_database}_bench_labels"
    connection.creation.create_test_db(verbosity=0, autoclobber=True, serialize=False)
    try:
        setup = time.perf_counter()
        pks = make_returns(count)
        print(f"{count} returns made in {time.perf_counter() - setup:.1f} s on {connection.vendor}")
        seconds = []
        for run in range(1, RUNS + 1):
            elapsed, cpu, size = print_labels(pks)
            seconds.append(elapsed)
            print(f"run {run}: {count / elapsed:.0f} labels/s, {elapsed:.2f} s ({cpu:.2f} s CPU), "
                  f"PDF {size / 1024:.0f} KiB ({2 * count} pages)")
        print(f"median: {count / statistics.median(seconds):.0f} labels/s ({os.cpu_count()} CPUs)")
    finally:
        connection.creation.destroy_test_db(named_database, verbosity=0)


if __name__ == "__main__":
    main()
