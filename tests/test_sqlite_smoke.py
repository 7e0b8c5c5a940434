"""The embedded SQLite default never breaks unseen: migrate, seed_demo and every admin page, in a fresh process."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def run(arguments: list[str], env: dict[str, str]) -> None:
    result = subprocess.run(
        [sys.executable, *arguments], cwd=ROOT, env=env, capture_output=True, text=True, timeout=600
    )
    if result.returncode != 0:
        command = " ".join(arguments)
        output = f"--- stdout\n{result.stdout}\n--- stderr\n{result.stderr}"
        pytest.fail(f"{command} exited {result.returncode}\n{output}", pytrace=False)


def test_migrate_seed_demo_and_every_admin_page_work_on_sqlite(tmp_path):
    # The embedded default: no database server and no broker.
    env = {name: value for name, value in os.environ.items() if name not in {"DATABASE_URL", "REDIS_URL"}}
    env.update(
        DJANGO_SETTINGS_MODULE="returns_site.settings",
        SQLITE_PATH=str(tmp_path / "db.sqlite3"),
        MEDIA_ROOT=str(tmp_path / "media"),
    )

    run(["manage.py", "migrate", "--noinput"], env)
    run(["manage.py", "seed_demo"], env)
    run(["manage.py", "rebuild_report_days"], env)  # the reports page then adds kept days to live ones
    run(["tests/sqlite_smoke.py"], env)
