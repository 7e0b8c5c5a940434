"""Export 100,000 returns to CSV and to XLSX: rows per second and peak memory of each.

Run it from the repository root, with the project's Python:

    .venv/bin/python bench/export.py                      # on a throwaway SQLite file
    .venv/bin/python bench/export.py --postgres postgres://postgres@127.0.0.1:5432
                                                          # on a throwaway database on that server
    .venv/bin/python bench/export.py --rows 20000         # fewer returns

It migrates a new database (a temporary SQLite file, or a database it creates on the PostgreSQL
server and drops at the end), makes 100,000 returns with bulk_create (one unit each, every third
with a refund, all in one client's currency or the other's), then exports them as a large export
runs: an ExportJob written by reports.exports.write_export, which reads the returns list through
its selector as the requesting manager and streams the rows into the file.

Each format is measured in a fresh process, twice: first timed, for rows per second (and the
CPU seconds of this process; the database server's are not counted) and the process's
resident memory before the export (Django and the libraries loaded) and at its peak during it
(Linux's VmHWM, reset first); then under tracemalloc, for the peak of Python allocations while
writing (tracemalloc slows the run, so its time is not reported).
"""

import argparse
import datetime as dt
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
import tracemalloc
from decimal import Decimal
from pathlib import Path
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parent.parent
BATCH = 5000
FORMATS = ("csv", "xlsx")


def configure(database_url: str | None, media_root: str) -> None:
    """Point the settings at the throwaway database before Django starts."""
    sys.path.insert(0, str(ROOT))
    os.environ["DJANGO_SETTINGS_MODULE"] = "returns_site.settings"
    os.environ["MEDIA_ROOT"] = media_root
    os.environ.pop("REDIS_URL", None)
    if database_url:
        os.environ["DATABASE_URL"] = database_url
    else:
        os.environ.pop("DATABASE_URL", None)
        os.environ["SQLITE_PATH"] = str(Path(media_root).parent / "bench.sqlite3")
    import django

    django.setup()


# -- the data ----------------------------------------------------------------------------------------


def ran_for(number: int) -> str:
    from rma.ran import ALPHABET, check_symbol, format_ran

    payload = ""
    for _ in range(8):
        number, digit = divmod(number, len(ALPHABET))
        payload = ALPHABET[digit] + payload
    return format_ran(payload + check_symbol(payload))


def make_returns(count: int) -> None:
    """`count` returns of two clients, one unit each, every third with a refund: batch by batch."""
    from django.contrib.auth.models import Group, User

    from refunds.models import Refund
    from rma.models import Client, Customer, Order, OrderLine, ReturnItem, ReturnPolicy, ReturnRequest, Warehouse

    manager = User.objects.create_user("manager", is_staff=True)
    manager.groups.add(Group.objects.get(name="manager"))
    warehouse = Warehouse.objects.create(code="lej1", name="Leipzig Returns Center")
    clients = [
        (Client.objects.create(code=code, name=name, default_warehouse=warehouse), currency)
        for code, name, currency in [("hafenwerk", "Hafenwerk Apparel", "EUR"), ("kestrel", "Kestrel Electronics",
                                                                                   "USD")]
    ]
    policies = {client.pk: ReturnPolicy.objects.create(client=client, version=1, accepted_reasons=["defective"])
                for client, _ in clients}
    customers = {
        client.pk: Customer.objects.bulk_create(
            Customer(client=client, email=f"customer{n}@{client.code}.example", name=f"Customer {n}")
            for n in range(500)
        )
        for client, _ in clients
    }
    now = dt.datetime.now(dt.UTC)
    states = ["requested", "authorized", "in_transit", "received", "inspected", "dispositioned", "refunded"]
    for start in range(0, count, BATCH):
        numbers = range(start, min(start + BATCH, count))
        picks = [(n, *clients[n % 2], customers[clients[n % 2][0].pk][n % 500]) for n in numbers]
        orders = Order.objects.bulk_create(
            Order(client=client, customer=customer, number=f"ORD-{n:07d}", currency=currency, payment_method="card",
                  ordered_at=now - dt.timedelta(days=10), delivered_at=now - dt.timedelta(days=7))
            for n, client, currency, customer in picks
        )
        lines = OrderLine.objects.bulk_create(
            OrderLine(order=order, line_number=1, sku=f"SKU-{n % 800:04d}", description="Trail running shoe",
                      category="shoes", quantity=1, unit_price=Decimal("49.95") + n % 50)
            for (n, *_), order in zip(picks, orders, strict=True)
        )
        returns = ReturnRequest.objects.bulk_create(
            ReturnRequest(
                client=client, order=order, customer=customer, policy=policies[client.pk], channel="portal",
                state=states[n % len(states)], ran=ran_for(n), refund_method="original_payment",
                # Authorized or later: routed to the one warehouse, as authorization would have.
                warehouse=None if states[n % len(states)] == "requested" else warehouse,
                carrier="DHL" if n % 2 else "", tracking_number=f"JJD{n:012d}" if n % 2 else "",
                notes="Customer called about the label." if n % 5 == 0 else "",
                requested_at=now - dt.timedelta(minutes=n), state_entered_at=now - dt.timedelta(minutes=n // 2),
            )
            for (n, client, currency, customer), order in zip(picks, orders, strict=True)
        )
        ReturnItem.objects.bulk_create(
            ReturnItem(return_request=rma, order_line=line, unit_number=1, reason="defective")
            for rma, line in zip(returns, lines, strict=True)
        )
        Refund.objects.bulk_create(
            Refund(return_request=rma, amount=line.unit_price, currency=order.currency, method="original_payment",
                   proposed_at=now)
            for (n, *_), rma, line, order in zip(picks, returns, lines, orders, strict=True) if n % 3 == 0
        )


# -- one measured export, in a fresh process ---------------------------------------------------------


def memory_status(field: str) -> int:
    """VmRSS (resident now) or VmHWM (peak resident) of this process, in bytes, from Linux's /proc."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(f"{field}:"):
            return int(line.split()[1]) * 1024
    raise LookupError(field)


def reset_peak_rss() -> None:
    # ru_maxrss would not do: a process started with vfork carries its parent's peak across exec.
    Path("/proc/self/clear_refs").write_text("5")


def export_once(file_format: str) -> tuple[float, float, int, int]:
    """Seconds (wall and this process's CPU), rows and file size of one export of every return, as the job runs."""
    from django.contrib.auth.models import User

    from reports import exports
    from reports.models import ExportJob, ExportStatus

    job = ExportJob.objects.create(requested_by=User.objects.get(username="manager"), model_label="rma.returnrequest",
                                   query_string="", file_format=file_format)
    started, cpu_started = time.perf_counter(), time.process_time()
    exports.write_export(job_id=job.pk)
    elapsed, cpu = time.perf_counter() - started, time.process_time() - cpu_started
    job.refresh_from_db()
    if job.status != ExportStatus.DONE:
        raise SystemExit(f"the {file_format} export failed: {job.error}")
    return elapsed, cpu, job.rows_done, job.file.size


def measure(file_format: str) -> dict:
    reset_peak_rss()
    rss_at_start = memory_status("VmRSS")
    seconds, cpu_seconds, rows, size = export_once(file_format)
    rss_peak = memory_status("VmHWM")
    tracemalloc.start()
    export_once(file_format)
    traced_peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    return {"format": file_format, "rows": rows, "seconds": seconds, "cpu_seconds": cpu_seconds, "bytes": size,
            "rss_at_start": rss_at_start, "rss_peak": rss_peak, "traced_peak": traced_peak}


# -- the run -----------------------------------------------------------------------------------------


def create_postgres_database(server_url: str) -> str:
    import psycopg
    from psycopg import sql

    name = f"bench_exports_{os.getpid()}"
    with psycopg.connect(f"{server_url.rstrip('/')}/postgres", autocommit=True) as connection:
        connection.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    return f"{server_url.rstrip('/')}/{name}"


def drop_postgres_database(database_url: str) -> None:
    import psycopg
    from psycopg import sql

    server, name = database_url.rsplit("/", 1)
    with psycopg.connect(f"{server}/postgres", autocommit=True) as connection:
        connection.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))


def report(results: list[dict], *, database: str, setup_seconds: float) -> None:
    megabyte = 1024 * 1024
    print(f"{results[0]['rows']:,} returns on {database} (made in {setup_seconds:.0f} s)")
    print(f"{'format':<7}{'rows/s':>9}{'seconds':>9}{'CPU s':>7}{'file MB':>9}{'RSS before MB':>15}"
          f"{'peak RSS MB':>13}{'tracemalloc peak MB':>21}")
    for r in results:
        print(f"{r['format']:<7}{r['rows'] / r['seconds']:>9,.0f}{r['seconds']:>9.1f}{r['cpu_seconds']:>7.1f}"
              f"{r['bytes'] / megabyte:>9.1f}{r['rss_at_start'] / megabyte:>15.1f}{r['rss_peak'] / megabyte:>13.1f}"
              f"{r['traced_peak'] / megabyte:>21.1f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--postgres", metavar="SERVER_URL", help="e.g. postgres://postgres@127.0.0.1:5432")
    parser.add_argument("--measure", choices=FORMATS, help=argparse.SUPPRESS)  # the child process's part
    arguments = parser.parse_args()
    if arguments.measure:
        configure(os.environ.get("DATABASE_URL"), os.environ["MEDIA_ROOT"])
        print(json.dumps(measure(arguments.measure)))
        return

    workdir = Path(tempfile.mkdtemp(prefix="bench-export-"))
    database_url = create_postgres_database(arguments.postgres) if arguments.postgres else None
    try:
        configure(database_url, str(workdir / "media"))
        from django.core.management import call_command
        from django.db import connection

        started = time.perf_counter()
        call_command("migrate", verbosity=0)
        make_returns(arguments.rows)
        setup_seconds = time.perf_counter() - started
        connection.close()
        results = [
            json.loads(subprocess.run(
                [sys.executable, __file__, "--measure", file_format], env=os.environ, check=True,
                capture_output=True, text=True,
            ).stdout.strip().splitlines()[-1])
            for file_format in FORMATS
        ]
        database = f"PostgreSQL ({urlsplit(database_url).hostname})" if database_url else "SQLite"
        report(results, database=database, setup_seconds=setup_seconds)
    finally:
        if database_url:
            drop_postgres_database(database_url)
        shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    main()
