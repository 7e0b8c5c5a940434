"""The dashboard and the reports page at a million returns: how long each takes, cold and warm.

Run it from the repository root, with the project's Python, against a PostgreSQL server:

    .venv/bin/python bench/reports.py --postgres postgres://postgres@127.0.0.1:5432
    .venv/bin/python bench/reports.py --postgres ... --returns 200000   # fewer returns
    .venv/bin/python bench/reports.py --postgres ... --keep              # keep the database to look at plans

It creates a throwaway database on that server (dropped at the end unless --keep), migrates it and fills
it in SQL (generate_series, so a million returns take a minute or two): 20 clients, one order with one line
per return, returns requested evenly over two years, 1.5 units each, most of them ended (refunded, closed,
cancelled, ...), those of the last weeks still on the floor; inspections, dispositions and issued refunds
for the units and returns that got that far. Then it times, as a manager on the test client, the admin's
index (the dashboard: the first view counts, the next ones read the kept figures) and the reports page of
the last 30 days, three times each, and prints the queries each took; then the reports page again once
refresh_report_days has kept the ended days (reports.rollup), and with three days of every client marked.
"""

import argparse
import os
import statistics
import sys
import time
from pathlib import Path
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parent.parent
CLIENTS = 20
DAYS = 730


def configure(database_url: str) -> None:
    sys.path.insert(0, str(ROOT))
    os.environ["DJANGO_SETTINGS_MODULE"] = "returns_site.settings"
    os.environ.pop("REDIS_URL", None)
    os.environ["DATABASE_URL"] = database_url
    import django

    django.setup()


def fill(returns: int) -> None:
    """The clients and staff through the ORM; orders, returns and what followed them in SQL."""
    from django.contrib.auth.models import Group, User
    from django.db import connection

    from rma.models import Client, Customer, ReturnPolicy, Warehouse

    manager = User.objects.create_user("manager", is_staff=True)
    manager.groups.add(Group.objects.get(name="manager"))
    warehouse = Warehouse.objects.create(code="lej1", name="Leipzig Returns Center")
    for n in range(CLIENTS):
        client = Client.objects.create(code=f"c{n:02d}", name=f"Client {n:02d}", default_warehouse=warehouse)
        ReturnPolicy.objects.create(client=client, version=1, accepted_reasons=["defective", "changed_mind"])
        Customer.objects.create(client=client, email=f"customer@c{n:02d}.example", name="A customer")
    ids = {
        "warehouse": warehouse.pk, "manager": manager.pk, "returns": returns, "days": DAYS,
        "first_client": Client.objects.order_by("pk").first().pk,
    }
    statements = [
        # n runs 0 .. returns-1; return n was requested (n / returns) of two years ago, its client is n % 20.
        """CREATE TEMP TABLE made AS SELECT n, (%(first_client)s + n %% 20) AS client,
               now() - (n::float / %(returns)s * %(days)s) * interval '1 day' AS requested,
               CASE WHEN n::float / %(returns)s * %(days)s > 40 THEN
                   (ARRAY['refunded','refunded','refunded','refunded','refunded','refunded','closed','cancelled',
                          'rejected','expired'])[1 + n %% 10]
               ELSE (ARRAY['requested','authorized','in_transit','received','inspected','dispositioned',
                           'refunded','cancelled'])[1 + n %% 8] END AS state
           FROM generate_series(0, %(returns)s - 1) AS n""",
        """INSERT INTO rma_order (id, created_at, updated_at, address_line1, address_line2, city, region,
               postal_code, country, number, ordered_at, payment_method, payment_reference, currency,
               outbound_shipping_paid, refunded_outside, client_id, customer_id, charged_back_note, language)
           SELECT n + 1, now(), now(), '', '', '', '', '', 'DE', 'ORD-' || n, requested - interval '9 days',
               'card', '', 'EUR', 0, 0, client,
               (SELECT id FROM rma_customer WHERE client_id = made.client), '', 'en'
           FROM made""",
        """INSERT INTO rma_orderline (id, line_number, sku, description, category, quantity, unit_price,
               serial_numbers, order_id)
           SELECT n + 1, 1, 'SKU-' || (n %% 900), 'A product', 'shoes', 2, 49.95, '[]', n + 1 FROM made""",
        """INSERT INTO rma_returnrequest (id, created_at, updated_at, channel, state, refund_method, carrier,
               tracking_number, receipt_document, notes, decision_reason, state_entered_at, requested_at,
               client_id, customer_id, order_id, policy_id, exchange_sku, language, warehouse_id,
               authorized_at, in_transit_at, received_at, inspected_at, dispositioned_at, refunded_at, closed_at)
           SELECT n + 1, requested, requested, 'portal', state, 'original_payment', '', '', '', '', '',
               requested + interval '1 hour' * (n %% 300), requested, client,
               (SELECT id FROM rma_customer WHERE client_id = made.client), n + 1,
               (SELECT id FROM rma_returnpolicy WHERE client_id = made.client), '', 'en',
               CASE WHEN state IN ('requested', 'rejected', 'cancelled') THEN NULL ELSE %(warehouse)s END,
               CASE WHEN state NOT IN ('requested', 'rejected') THEN requested + interval '1 minute' * (n %% 600) END,
               CASE WHEN state IN ('in_transit','received','inspected','dispositioned','refunded','closed')
                    AND n %% 3 > 0 THEN requested + interval '1 minute' * (600 + n %% 3000) END,
               CASE WHEN state IN ('received','inspected','dispositioned','refunded','closed')
                    THEN requested + interval '1 minute' * (4000 + n %% 5000) END,
               CASE WHEN state IN ('inspected','dispositioned','refunded','closed')
                    THEN requested + interval '1 minute' * (9500 + n %% 700) END,
               CASE WHEN state IN ('dispositioned','refunded','closed')
                    THEN requested + interval '1 minute' * (10300 + n %% 900) END,
               CASE WHEN state = 'refunded' THEN requested + interval '1 minute' * (11300 + n %% 4000) END,
               CASE WHEN state = 'closed' THEN requested + interval '1 minute' * (11300 + n %% 2000) END
           FROM made""",
        """INSERT INTO rma_returnitem (return_request_id, unit_number, reason, comment, serial_number, order_line_id,
               customer_photo)
           SELECT n + 1, unit, (ARRAY['defective','changed_mind'])[1 + n %% 2], '', '', n + 1, ''
           FROM made, generate_series(1, 1 + n %% 2) AS unit""",
        """INSERT INTO inspection_inspection (grade, accessories_complete, original_packaging, matches_request,
               missing, serial_number_found, defect_category, notes, inspected_at, inspector_id, item_id)
           SELECT 'A', true, true, true, false, '', CASE WHEN item.id %% 4 = 0 THEN 'cosmetic' ELSE '' END, '',
               rma.inspected_at, %(manager)s, item.id
           FROM rma_returnitem item JOIN rma_returnrequest rma ON rma.id = item.return_request_id
           WHERE rma.inspected_at IS NOT NULL""",
        """INSERT INTO disposition_disposition (recommended_action, action, expected_recovery_value, destination,
               decided_at, override_reason, decided_by_id, item_id)
           SELECT 'restock', 'restock', 30, '', rma.dispositioned_at, '', %(manager)s, item.id
           FROM rma_returnitem item JOIN rma_returnrequest rma ON rma.id = item.return_request_id
           WHERE rma.dispositioned_at IS NOT NULL""",
        """INSERT INTO refunds_refund (amount, bonus_amount, currency, method, status, breakdown, is_correction,
               correction_reason, idempotency_key, external_reference, proposed_at, denial_reason,
               return_request_id, issued_at)
           SELECT 49.95, 0, 'EUR', 'original_payment', 'issued', '{}', false, '', md5(id::text)::uuid, 'PSP',
               refunded_at, '', id, refunded_at
           FROM rma_returnrequest WHERE state = 'refunded'""",
    ]
    with connection.cursor() as cursor:
        for statement in statements:
            cursor.execute(statement, ids)
        for table in ["rma_order", "rma_orderline", "rma_returnrequest"]:
            cursor.execute(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT max(id) FROM {table}))")
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE")


def mark_days(count: int) -> None:
    """Mark `count` past days of every client as changed, as a change to one of their returns does."""
    import datetime as dt

    from django.utils import timezone

    from rma.models import Client, ReportDayToRefresh

    today = timezone.localdate()
    ReportDayToRefresh.objects.bulk_create(
        ReportDayToRefresh(client=client, day=today - dt.timedelta(days=2 + 5 * n))
        for client in Client.objects.all() for n in range(count)
    )


def timed(client, url: str, *, before=None) -> tuple[float, int]:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    if before:
        before()
    with CaptureQueriesContext(connection) as queries:
        start = time.perf_counter()
        response = client.get(url)
        elapsed = time.perf_counter() - start
    assert response.status_code == 200, (url, response.status_code)
    return elapsed * 1000, len(queries)


def measure(*, reports_only: bool = False) -> None:
    from django.contrib.auth.models import User
    from django.core.cache import cache
    from django.test import Client
    from django.urls import reverse

    from rma.models import ReturnItem, ReturnRequest

    browser = Client()
    browser.force_login(User.objects.get(username="manager"))
    print(f"{ReturnRequest.objects.count():,} returns, {ReturnItem.objects.count():,} units")
    runs = {
        "dashboard, counted (cache empty)": (reverse("admin:index"), cache.clear),
        "dashboard, kept figures": (reverse("admin:index"), None),
        "reports page, last 30 days": (reverse("admin:reports"), None),
    }
    if reports_only:
        runs = {name: run for name, run in runs.items() if name.startswith("reports")}
    for name, (url, before) in runs.items():
        if before is None:
            browser.get(url)  # warm
        results = [timed(browser, url, before=before) for _ in range(3)]
        times = [ms for ms, _ in results]
        print(f"{name}: median {statistics.median(times):.0f} ms (runs: {', '.join(f'{t:.0f}' for t in times)}),"
              f" {results[0][1]} queries")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--postgres", required=True, help="the server, e.g. postgres://postgres@127.0.0.1:5432")
    parser.add_argument("--returns", type=int, default=1_000_000)
    parser.add_argument("--keep", action="store_true", help="keep the database (its name is printed)")
    args = parser.parse_args()
    import psycopg

    name = f"bench_reports_{os.getpid()}"
    server = urlsplit(args.postgres)
    admin_url = server._replace(path="/postgres").geturl()
    with psycopg.connect(admin_url, autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    try:
        configure(server._replace(path=f"/{name}").geturl())
        from django.core.management import call_command

        call_command("migrate", verbosity=0)
        start = time.perf_counter()
        fill(args.returns)
        print(f"filled in {time.perf_counter() - start:.0f} s")
        print("-- no day kept yet: the reports' unit figures are all counted live")
        measure()
        start = time.perf_counter()
        call_command("refresh_report_days")
        print(f"-- refresh_report_days kept the last days in {time.perf_counter() - start:.0f} s")
        measure(reports_only=True)
        mark_days(3)
        print("-- 3 past days of every client changed (marked): they are counted live")
        measure(reports_only=True)
    finally:
        from django.db import connections

        connections.close_all()
        if args.keep:
            print(f"kept database {name}")
        else:
            with psycopg.connect(admin_url, autocommit=True) as admin:
                admin.execute(f'DROP DATABASE "{name}"')


if __name__ == "__main__":
    main()
