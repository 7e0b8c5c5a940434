"""The performance table in one run: every figure at two database sizes, beside its baseline and targets.

    .venv/bin/python bench/run.py --postgres postgres://postgres@127.0.0.1:5432 --prefix bench_ \
        [--quick] [--json out.json] [--keep]

It creates the databases <prefix>100k and <prefix>1m on that server (with --quick, <prefix>10k and
<prefix>100k: a few minutes in all), migrates each and fills it with bench.generate (a database kept by an
earlier --keep run is reused as it is when filled), gives one return 3,000 events, then measures each
database in a process of its own (Django connects once per process) with bench.measure, prints the table
with the machine it ran on, writes it as JSON with --json, and drops the databases unless --keep.
"""

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import psycopg
from psycopg import sql

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.report import build_report, format_table, machine_info, scale_name  # noqa: E402

SIZES, QUICK_SIZES = (100_000, 1_000_000), (10_000, 100_000)


def _server(server_url: str, database: str = "postgres") -> psycopg.Connection:
    return psycopg.connect(f"{server_url}/{database}", autocommit=True)


def is_filled(server_url: str, database: str, returns: int) -> bool:
    """A kept database is reused when the generator finished filling it (its manager exists, all its returns)."""
    with _server(server_url) as server:
        if not server.execute("SELECT 1 FROM pg_database WHERE datname = %s", [database]).fetchone():
            return False
    try:
        with _server(server_url, database) as filled:
            manager = filled.execute("SELECT 1 FROM auth_user WHERE username = 'bench_manager'").fetchone()
            count = filled.execute("SELECT count(*) FROM rma_returnrequest").fetchone()[0]
    except psycopg.errors.UndefinedTable:
        return False
    return bool(manager) and count >= returns


def recreate(server_url: str, database: str) -> None:
    with _server(server_url) as server:
        server.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(database)))
        server.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(database)))


def drop(server_url: str, database: str) -> None:
    with _server(server_url) as server:
        server.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(database)))


def measure_in_child(database_url: str, returns: int, *, fill: bool) -> dict:
    """Migrate (and fill) the database and measure it in a fresh process; its figures."""
    with tempfile.TemporaryDirectory(prefix="bench-run-") as workdir:
        output = Path(workdir) / "figures.json"
        environment = {key: value for key, value in os.environ.items() if key != "REDIS_URL"}
        environment.update(DATABASE_URL=database_url, DJANGO_SETTINGS_MODULE="returns_site.settings",
                           MEDIA_ROOT=str(Path(workdir) / "media"), ADMIN_REQUIRE_TWO_FACTOR="0",
                           # A log line per request would bury the table.
                           REQUEST_LOG_LEVEL="WARNING")
        command = [sys.executable, __file__, "--child", str(output), "--returns", str(returns)]
        subprocess.run(command + (["--fill"] if fill else []), env=environment, check=True, cwd=ROOT)
        return json.loads(output.read_text())


def child(output: Path, returns: int, fill: bool) -> None:
    """The child's part: Django set up on DATABASE_URL, the database migrated, filled if asked, measured."""
    import django

    django.setup()
    from django.core.management import call_command
    from django.test.utils import setup_test_environment

    from bench import measure

    setup_test_environment()  # the test client's host, and e-mail kept in memory
    started = time.perf_counter()
    call_command("migrate", verbosity=0)
    if fill:
        from bench.generate import generate

        generate(returns=returns)
        print(f"{returns:,} returns: migrated and generated in {time.perf_counter() - started:.0f} s", flush=True)
    started = time.perf_counter()
    measured = measure.measure_database(measure.Effort())
    parts = ", ".join(f"{part} {seconds:.0f} s" for part, seconds in measured["seconds"].items())
    print(f"{scale_name(returns)} measured in {time.perf_counter() - started:.0f} s ({parts})", flush=True)
    output.write_text(json.dumps(measured))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--postgres", help="the PostgreSQL server, without a database name")
    parser.add_argument("--prefix", default="bench_", help="of the databases' names (default bench_)")
    parser.add_argument("--quick", action="store_true", help="10k and 100k returns instead of 100k and 1M")
    parser.add_argument("--json", type=Path, help="write the table, the figures and the machine here")
    parser.add_argument("--keep", action="store_true", help="keep the databases, to reuse them next time")
    parser.add_argument("--child", type=Path, help=argparse.SUPPRESS)  # the measuring process's part
    parser.add_argument("--returns", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--fill", action="store_true", help=argparse.SUPPRESS)
    arguments = parser.parse_args()
    if arguments.child:
        child(arguments.child, arguments.returns, arguments.fill)
        return
    if not arguments.postgres:
        parser.error("--postgres is required")

    server_url = arguments.postgres.rstrip("/")
    databases = {}
    names = []
    try:
        for returns in QUICK_SIZES if arguments.quick else SIZES:
            name = f"{arguments.prefix}{scale_name(returns)}"
            names.append(name)
            fill = not is_filled(server_url, name, returns)
            if fill:
                recreate(server_url, name)
            else:
                print(f"{name}: reusing the kept database", flush=True)
            databases[scale_name(returns)] = measure_in_child(f"{server_url}/{name}", returns, fill=fill)
    finally:
        if not arguments.keep:
            for name in names:
                drop(server_url, name)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "returns_site.settings")
    postgresql = next(iter(databases.values()))["postgresql"]
    report = build_report(databases=databases, machine=machine_info(postgresql=postgresql))
    print(format_table(report))
    if arguments.json:
        arguments.json.write_text(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
