"""Every figure of the performance table for the database Django's default connection names, which the
generator (bench.generate) has filled: bench/run.py calls this once per database, in a process of its own."""

import time
from collections.abc import Callable
from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.db import connection
from django.utils import timezone
from psycopg.conninfo import make_conninfo

from bench import export, labels, pages, scans

MANAGER = "bench_manager"
BUSY_RETURN_EVENTS = 3000
BUSY_RETURN_JOB = "bench_busy_return"


@dataclass(frozen=True)
class Effort:
    """How hard to measure: the full run's numbers, or a test's few."""

    requests: int = 32
    warm_up: int = 2
    labels: int = 500
    scans: int = 2000
    scan_workers: int = 4
    pgbench_seconds: int = 10


def busy_return_pk() -> int:
    """The return given BUSY_RETURN_EVENTS events of its own, added in bulk the first time (a kept database has it)."""
    from rma.models import EventChannel, ReturnEvent, ReturnEventType, ReturnRequest

    marked = ReturnEvent.objects.filter(system_job=BUSY_RETURN_JOB).values_list("return_request_id", flat=True)
    if pk := marked.first():
        return pk
    rma = ReturnRequest.objects.exclude(state="requested").order_by("pk").first()
    now = timezone.now()
    ReturnEvent.objects.bulk_create(
        (ReturnEvent(return_request=rma, action=ReturnEventType.NOTE_ADDED, from_state=rma.state, to_state=rma.state,
                     channel=EventChannel.SYSTEM, system_job=BUSY_RETURN_JOB, at=now, note=f"Bench note {number}")
         for number in range(BUSY_RETURN_EVENTS)),
        batch_size=1000,
    )
    return rma.pk


def database_conninfo() -> str:
    """The default connection's database as libpq (and so pgbench) takes it."""
    settings = connection.settings_dict
    return make_conninfo(**{key: str(settings[name]) for key, name in [
        ("dbname", "NAME"), ("host", "HOST"), ("port", "PORT"), ("user", "USER"), ("password", "PASSWORD"),
    ] if settings.get(name)})


def measure_database(effort: Effort) -> dict:
    """The figures of the table's rows for this database, with their baselines. Scans come last: they
    receive returns, which the other figures must not see change under them."""
    from reports.rollup import refresh_report_days
    from rma.models import ReturnRequest

    manager = get_user_model().objects.get(username=MANAGER)
    # How long each part took to measure, for whoever wonders where a run's time went.
    took = {}

    def timed_part(name: str, measure: Callable[[], dict]) -> dict:
        started = time.perf_counter()
        figure = measure()
        took[name] = round(time.perf_counter() - started, 1)
        return figure

    # As in production, where beat refreshes them every minute: the reports' figures kept per ended day.
    timed_part("report_days", lambda: {"days": refresh_report_days()})
    figures = timed_part("pages", lambda: pages.measure_pages(
        manager=manager, requests=effort.requests, warm_up=effort.warm_up, busy_return_pk=busy_return_pk()))
    figures["labels"] = timed_part("labels", lambda: labels.measure_labels(count=effort.labels))
    figures["exports"] = timed_part("exports", lambda: export.measure_exports(manager=manager))
    figures["scans"] = timed_part("scans", lambda: scans.measure_scans(
        actor_pk=manager.pk, total=effort.scans, workers=effort.scan_workers))
    figures["scans"]["pgbench_tps"] = timed_part("pgbench", lambda: scans.pgbench_tps(
        database_url=database_conninfo(), clients=effort.scan_workers, seconds=effort.pgbench_seconds))
    return {"returns": ReturnRequest.objects.count(), "postgresql": postgresql_version(), "seconds": took,
            "figures": figures}


def postgresql_version() -> str:
    with connection.cursor() as cursor:
        cursor.execute("SHOW server_version")
        return cursor.fetchone()[0]
