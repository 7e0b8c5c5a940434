"""Time the admin lists of big tables and their search: median and p95 of each page, in milliseconds.

Run it from the repository root, with the project's Python, on a throwaway PostgreSQL database:

    .venv/bin/python bench/lists.py --postgres postgres://postgres@127.0.0.1:5432        # 1,000,000 returns
    .venv/bin/python bench/lists.py --postgres postgres://postgres@127.0.0.1:5432 --rows 200000

It migrates a new database (created on the server and dropped at the end), makes the returns of
bench/export.py (one unit each, every third with a refund) plus seven events per return, ANALYZEs,
then signs a manager in and opens each page `--repeat` times through Django's test client, as the
admin serves it (the page rendered, every query run).
"""

import argparse
import statistics
import time

from export import configure, create_postgres_database, drop_postgres_database, make_returns, ran_for

EVENTS_PER_RETURN = 7


def make_events() -> None:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO rma_returnevent (return_request_id, action, from_state, to_state, channel, system_job,"
            " at, note, details)"
            " SELECT r.id, 'requested', '', 'requested', 'system', 'bench', r.requested_at + g * interval '1 hour',"
            " '', '{}' FROM rma_returnrequest r, generate_series(1, %s) g",
            [EVENTS_PER_RETURN],
        )
        cursor.execute("ANALYZE")


def pages(rows: int) -> dict[str, tuple[str, dict]]:
    middle = rows // 2
    return {
        "returns, page 1": ("/admin/rma/returnrequest/", {}),
        "returns, page 200": ("/admin/rma/returnrequest/", {"p": "200"}),
        "returns, filtered by state": ("/admin/rma/returnrequest/", {"state__exact": "received"}),
        "returns, search RAN": ("/admin/rma/returnrequest/", {"q": ran_for(middle)}),
        "returns, search email": ("/admin/rma/returnrequest/", {"q": "CUSTOMER8@Hafenwerk.example"}),
        "returns, search order number": ("/admin/rma/returnrequest/", {"q": f"ORD-{middle:07d}"}),
        "returns, search tracking number": ("/admin/rma/returnrequest/", {"q": f"jjd {middle | 1:012d}"}),
        "returns, search a part of a name": ("/admin/rma/returnrequest/", {"q": "421"}),
        "events, page 1": ("/admin/rma/returnevent/", {}),
        "events, page 200": ("/admin/rma/returnevent/", {"p": "200"}),
        "events, search RAN": ("/admin/rma/returnevent/", {"q": ran_for(middle)}),
        "units, page 1": ("/admin/rma/returnitem/", {}),
        "units, search SKU": ("/admin/rma/returnitem/", {"q": "SKU-0042"}),
        "refunds, every refund": ("/admin/refunds/refund/", {"queue": "all"}),
    }


def measure(rows: int, repeat: int) -> None:
    from django.contrib.auth.models import User
    from django.test import Client

    browser = Client()
    browser.force_login(User.objects.get(username="manager"))
    print(f"{'page':<34}{'median ms':>10}{'p95 ms':>8}  count shown")
    for name, (url, params) in pages(rows).items():
        times = []
        for _ in range(repeat):
            started = time.perf_counter()
            response = browser.get(url, params)
            times.append((time.perf_counter() - started) * 1000)
            assert response.status_code == 200, (name, response.status_code)
        shown = response.context["cl"].result_count_text
        p95 = statistics.quantiles(times, n=20)[-1] if len(times) > 1 else times[0]
        print(f"{name:<34}{statistics.median(times):>10.0f}{p95:>8.0f}  {shown}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=20)
    parser.add_argument("--postgres", metavar="SERVER_URL", help="make a throwaway database on this server")
    parser.add_argument("--keep", action="store_true", help="keep the database made, to measure it again")
    parser.add_argument("--database", metavar="DATABASE_URL", help="measure a database made with --keep")
    arguments = parser.parse_args()
    database_url = arguments.database or create_postgres_database(arguments.postgres)
    try:
        configure(database_url, "/tmp/bench-lists-media")
        from django.conf import settings
        from django.core.management import call_command
        from django.test.utils import setup_test_environment

        setup_test_environment()  # the test client keeps each page's context: the count it showed
        settings.ALLOWED_HOSTS = ["testserver"]
        if not arguments.database:
            started = time.perf_counter()
            call_command("migrate", verbosity=0)
            make_returns(arguments.rows)
            make_events()
            print(f"{arguments.rows:,} returns, {arguments.rows * EVENTS_PER_RETURN:,} events"
                  f" (made in {time.perf_counter() - started:.0f} s) in {database_url}")
        measure(arguments.rows, arguments.repeat)
    finally:
        from django.db import connections

        connections.close_all()
        if not (arguments.keep or arguments.database):
            drop_postgres_database(database_url)


if __name__ == "__main__":
    main()
