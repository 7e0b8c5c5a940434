"""A large export written by a real Celery worker, with Redis as the broker, as in production."""

import os
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import quote

import kombu.pools
import pytest
import redis
from django.db import connection

from reports.models import ExportJob, ExportStatus
from returns_site.celery import app as celery_app
from rma.models import ReturnState
from tests.factories import Staff, return_in_state
from tests.reports.exports import as_records, content_of, request_export, xlsx_rows

ROOT = Path(__file__).resolve().parents[2]
# Database 5 is this suite's: other work on the same Redis keeps out of it.
REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/5")
STARTUP_SECONDS = 20
EXPORT_SECONDS = 15


def redis_answers(url: str) -> bool:
    try:
        return redis.Redis.from_url(url, socket_connect_timeout=1).ping()
    except redis.exceptions.ConnectionError:
        return False


@pytest.fixture
def redis_broker(monkeypatch):
    """Tasks go to Redis instead of running in-process."""
    if not redis_answers(REDIS_URL):
        reason = f"needs Redis at {REDIS_URL} (start it with `redis-server --daemonize yes`)"
        if os.environ.get("CI") == "true":
            pytest.fail(f"CI {reason}")
        pytest.skip(reason)
    monkeypatch.setitem(celery_app.conf, "broker_url", REDIS_URL)
    monkeypatch.setitem(celery_app.conf, "task_always_eager", False)
    # Celery keeps the connection pools made for the first task sent, and earlier tests sent theirs
    # in-process (memory://): pools for Redis are made afresh, and closed before the old ones return.
    monkeypatch.setattr(celery_app, "_pool", None)
    monkeypatch.setattr(celery_app.amqp, "_producer_pool", None)
    yield
    celery_app.amqp.producer_pool.force_close_all()
    celery_app.pool.force_close_all()
    # kombu keeps producer pools per connection in a registry of its own: a later test must get new ones.
    kombu.pools.reset()


def database_url_of_the_tests() -> str:
    db = connection.settings_dict
    credentials = quote(db["USER"] or "", safe="") + (f":{quote(db['PASSWORD'], safe='')}" if db["PASSWORD"] else "")
    return f"postgres://{credentials}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"


@pytest.fixture
def worker(redis_broker, settings, tmp_path):
    """`celery -A returns_site worker` on the test database, sharing this test's media folder and threshold."""
    env = {
        **os.environ, "DATABASE_URL": database_url_of_the_tests(), "REDIS_URL": REDIS_URL,
        "MEDIA_ROOT": str(settings.MEDIA_ROOT), "EXPORT_INLINE_MAX_ROWS": str(settings.EXPORT_INLINE_MAX_ROWS),
    }
    log = tmp_path / "worker.log"
    with log.open("w") as output:
        process = subprocess.Popen(
            [sys.executable, "-m", "celery", "-A", "returns_site", "worker", "--pool=solo", "-c", "1",
             "--without-mingle", "--without-gossip", "--purge", "--loglevel=INFO"],
            cwd=ROOT, env=env, stdout=output, stderr=subprocess.STDOUT,
        )
    try:
        deadline = time.monotonic() + STARTUP_SECONDS
        while not celery_app.control.ping(timeout=0.5):
            if process.poll() is not None or time.monotonic() > deadline:
                pytest.fail(f"the worker did not start:\n{log.read_text()}")
        yield log
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()


@pytest.fixture
def large_above_two(settings):
    settings.EXPORT_INLINE_MAX_ROWS = 2


def finished(job: ExportJob, *, seconds: float) -> ExportJob:
    """The job once the worker is done with it, polling its row until it is (or the time is up)."""
    deadline = time.monotonic() + seconds
    while job.status not in (ExportStatus.DONE, ExportStatus.FAILED) and time.monotonic() < deadline:
        time.sleep(0.1)
        job.refresh_from_db()
    return job


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_large_export_is_written_by_the_celery_worker(client, large_above_two, worker):
    staff = Staff()
    return_in_state(ReturnState.REQUESTED, staff=staff)
    authorized = [return_in_state(ReturnState.AUTHORIZED, staff=staff) for _ in range(3)]
    client.force_login(staff.manager)

    response = request_export(client, "rma.returnrequest", {"state__exact": "authorized"}, "xlsx")
    job = finished(ExportJob.objects.get(), seconds=EXPORT_SECONDS)

    assert response.status_code == 302
    assert job.status == ExportStatus.DONE, f"{job.status}: {job.error}\n{worker.read_text()}"
    assert (job.rows_total, job.rows_done) == (3, 3)
    with job.file.open("rb") as file:
        records = as_records(xlsx_rows(file.read()))
    assert [r["RAN"] for r in records] == [rma.ran for rma in reversed(authorized)]
    assert "Download XLSX" in content_of(client.get(response["Location"])).decode()
