"""Import a large client order file as a large import runs: how long it takes, and how long it holds locks.

Run it from the repository root, with the project's Python, on a throwaway PostgreSQL database that it
creates, migrates and drops at the end:

    .venv/bin/python bench/order_import.py --postgres postgres://postgres@127.0.0.1:5432
    .venv/bin/python bench/order_import.py --postgres ... --rows 200000 --lines-per-order 2

It writes an order CSV of `--rows` rows (order lines of one client, `--lines-per-order` lines per order),
then runs the file through an import job (importjobs.services.run_import_job, as the worker does) twice:
first into an empty database (every order new), then again (every order compared, unchanged). For each
it reports the whole time (and this process's CPU seconds: on a busy machine the wall clock says little),
and how long the one transaction that applies the file took (it locks only the orders it changes, never
the client); the rest of the time is spent checking, holding no lock.
"""

import argparse
import csv
import io
import os
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def order_file(rows: int, lines_per_order: int) -> bytes:
    text = io.StringIO()
    writer = csv.writer(text)
    writer.writerow(["client_code", "order_number", "customer_email", "customer_name", "ordered_at", "payment_method",
                     "currency", "line_number", "sku", "quantity", "unit_price", "city", "country"])
    for row in range(rows):
        order, line = divmod(row, lines_per_order)
        writer.writerow(["bench", f"B-{order}", f"customer{order % 20000}@example.com", "Bench Customer",
                         "2026-03-02", "card", "EUR", line + 1, f"SKU-{line}", 1, "24.95", "Hamburg", "DE"])
    return text.getvalue().encode()


def run_once(label: str, content: bytes, manager) -> None:
    from django.core.files.uploadedfile import SimpleUploadedFile
    from django.db import connection

    from importjobs.models import ImportJob
    from importjobs.services import run_import_job, start_import_job

    applying = []

    def watch(execute, sql, params, many, context):
        # The job runs in autocommit; its one transaction is the apply.
        if not applying and connection.in_atomic_block:
            applying.append(time.monotonic())
        return execute(sql, params, many, context)

    started, cpu = time.monotonic(), time.process_time()
    with connection.execute_wrapper(watch):
        # Without a broker the job runs in-process as soon as it is queued; with one, here.
        job = start_import_job(user=manager, kind="orders", upload=SimpleUploadedFile("bench.csv", content),
                               file_format="csv", rows_total=content.count(b"\n") - 1)
        run_import_job(job_id=job.pk)
    ended = time.monotonic()
    job = ImportJob.objects.get(pk=job.pk)
    print(f"{label}: {job.status} in {ended - started:.1f} s ({time.process_time() - cpu:.1f} s of this process's CPU);"
          f" {job.summary or job.problems[:3]}")
    if applying:
        print(f"  the apply transaction: {ended - applying[0]:.1f} s; rows checked before it, holding no lock")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--postgres", required=True, help="a PostgreSQL server URL, without a database name")
    parser.add_argument("--rows", type=int, default=50_000)
    parser.add_argument("--lines-per-order", type=int, default=1)
    args = parser.parse_args()
    database = f"returns_bench_import_{os.getpid()}"
    server = args.postgres.rstrip("/")
    subprocess.run(["psql", f"{server}/postgres", "-qc", f"CREATE DATABASE {database}"], check=True)
    try:
        os.environ.update(DATABASE_URL=f"{server}/{database}", DJANGO_SETTINGS_MODULE="returns_site.settings",
                          IMPORT_MAX_ROWS=str(max(args.rows, 100_000)), IMPORT_MAX_BYTES=str(200 * 1024 * 1024))
        sys.path.insert(0, str(ROOT))
        import django

        django.setup()
        from django.core.management import call_command

        call_command("migrate", verbosity=0)
        from django.contrib.auth.models import Group, User

        from tests.factories import ClientFactory

        ClientFactory(code="bench")
        manager = User.objects.create_user("bench-manager", is_staff=True)
        manager.groups.add(Group.objects.get(name="manager"))
        content = order_file(args.rows, args.lines_per_order)
        print(f"{args.rows:,} rows, {len(content) / 1024 / 1024:.1f} MB")
        run_once("first import (all new)", content, manager)
        run_once("same file again (all unchanged)", content, manager)
    finally:
        from django.db import connections

        connections.close_all()
        subprocess.run(["psql", f"{server}/postgres", "-qc", f"DROP DATABASE IF EXISTS {database}"], check=True)


if __name__ == "__main__":
    main()
