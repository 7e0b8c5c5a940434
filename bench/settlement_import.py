"""Import a large settlement confirmation file as a large import runs: how long it takes, and how long its
one apply transaction holds the locks of the refunds it completes.

Run it from the repository root, with the project's Python, on a throwaway PostgreSQL database that it
creates, migrates and drops at the end:

    .venv/bin/python bench/settlement_import.py --postgres postgres://postgres@127.0.0.1:5432
    .venv/bin/python bench/settlement_import.py --postgres ... --rows 2000

It makes `--rows` approved refunds to the original payment method of one client with a webhook URL
(one real refund through the services, copied with bulk_create), writes a confirmation file naming each
by refund_id, then runs it through an import job (importjobs.services.run_import_job, as the worker
does) twice: first settling every refund, then again (every row already settled). For each it reports
the whole time (and this process's CPU seconds), and how long the apply transaction took: it completes
each refund through refunds.services.complete_refund (its event, the return's webhook message), holding
the locks of the file's returns and refunds until it commits. The outbox is written but not delivered
(delivery runs after commit, outside the transaction measured). MOST_ROWS is lifted to `--rows`, to
measure past the cap too.
"""

import argparse
import csv
import io
import os
import subprocess
import sys
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def make_refunds(rows: int):
    """`rows` approved refunds of one client: one through the services, the rest copies of it."""
    from django.utils import timezone

    from refunds.models import Refund
    from rma import ran
    from rma.models import Client, ReturnRequest
    from tests.factories import Staff, client_with_policy
    from tests.refunds.settlement_data import owed_refund

    staff = Staff()
    shop = client_with_policy(auto_authorize=False)
    Client.objects.filter(pk=shop.pk).update(webhook_url="https://hooks.example.com/returns")
    first = owed_refund(shop, staff)
    rma = first.return_request
    copies = []
    for _ in range(rows - 1):
        copy = ReturnRequest.objects.get(pk=rma.pk)
        copy.pk = copy.id = None
        copy.ran = ran.generate_ran()
        copies.append(copy)
    returns = ReturnRequest.objects.bulk_create(copies, batch_size=2000)
    refunds = []
    for copy in returns:
        refund = Refund.objects.get(pk=first.pk)
        refund.pk = refund.id = None
        refund.return_request, refund.idempotency_key = copy, uuid.uuid4()
        refunds.append(refund)
    Refund.objects.bulk_create(refunds, batch_size=2000)
    ids = [first.pk, *Refund.objects.filter(return_request__in=returns).values_list("pk", flat=True)]
    return shop, staff.finance, ids, timezone.localdate(timezone=shop.zone).isoformat()


def confirmation_file(ids: list[int], paid_on: str) -> bytes:
    text = io.StringIO()
    writer = csv.writer(text)
    writer.writerow(["refund_id", "reference", "date_paid", "amount", "currency"])
    for refund_id in ids:
        writer.writerow([refund_id, f"PAY-{refund_id}", paid_on, "50.00", "EUR"])
    return text.getvalue().encode()


def run_once(label: str, content: bytes, shop, finance) -> None:
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
        job = start_import_job(user=finance, kind="settlement", upload=SimpleUploadedFile("bench.csv", content),
                               file_format="csv", rows_total=content.count(b"\n") - 1,
                               options={"client_id": shop.pk, "file_name": "bench.csv"})
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
    parser.add_argument("--rows", type=int, default=20_000)
    args = parser.parse_args()
    database = f"returns_bench_settlement_{os.getpid()}"
    server = args.postgres.rstrip("/")
    subprocess.run(["psql", f"{server}/postgres", "-qc", f"CREATE DATABASE {database}"], check=True)
    try:
        os.environ.pop("REDIS_URL", None)
        os.environ.update(DATABASE_URL=f"{server}/{database}", DJANGO_SETTINGS_MODULE="returns_site.settings")
        sys.path.insert(0, str(ROOT))
        import django

        django.setup()
        from django.core.management import call_command

        call_command("migrate", verbosity=0)
        from outbox import services as outbox_services
        from refunds import settlement

        outbox_services._dispatch = lambda message_pk: None  # delivered after commit: not what is measured
        settlement.MOST_ROWS = max(settlement.MOST_ROWS, args.rows)
        made = time.monotonic()
        shop, finance, ids, paid_on = make_refunds(args.rows)
        content = confirmation_file(ids, paid_on)
        print(f"{args.rows:,} approved refunds made in {time.monotonic() - made:.1f} s; "
              f"file {len(content) / 1024:.0f} KB")
        run_once("first import (all settled)", content, shop, finance)
        run_once("same file again (all already settled)", content, shop, finance)
    finally:
        from django.db import connections

        connections.close_all()
        subprocess.run(["psql", f"{server}/postgres", "-qc", f"DROP DATABASE IF EXISTS {database}"], check=True)


if __name__ == "__main__":
    main()
