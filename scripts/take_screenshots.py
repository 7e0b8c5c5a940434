"""Screenshots of the main screens for the README, taken with the browser the tests use.

Runs the back office on a throwaway SQLite file with the demo data, signs in as each role and
saves PNGs under docs/screenshots/. Usage: .venv/bin/python scripts/take_screenshots.py
"""

import os
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from urllib.request import urlopen

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "docs" / "screenshots"
PASSWORD = os.environ.get("DEMO_PASSWORD", "demo-pass-2026")
sys.path.insert(0, str(ROOT))

from tests.browser import CHROMIUM_ARGS, chromium_path  # noqa: E402


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def manage(env: dict, *args: str) -> None:
    subprocess.run([sys.executable, "manage.py", *args], cwd=ROOT, env=env, check=True, stdout=subprocess.DEVNULL)


def wait_until_up(url: str) -> None:
    for _ in range(100):
        try:
            # Our own runserver's http://127.0.0.1 address, never a URL from outside.
            urlopen(url, timeout=1)  # nosec B310
            return
        except OSError:
            time.sleep(0.2)
    raise SystemExit(f"the server at {url} did not start")


def targets(env: dict) -> dict[str, int]:
    """The demo returns worth showing: one with every stage filled in, one waiting at inspection."""
    os.environ.update(env)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "returns_site.settings")
    import django

    django.setup()
    from rma.models import ReturnRequest

    first = ReturnRequest.objects.order_by("pk")
    return {
        "full": first.filter(state="dispositioned").values_list("pk", flat=True)[0],
        "received": first.filter(state="received").values_list("pk", flat=True)[0],
        "authorized_ran": first.filter(state="authorized").values_list("ran", flat=True)[0],
    }


def scan_at_the_dock(page, ran: str) -> None:
    """The dock screen is worth seeing after a scan: type the RAN as a scanner does."""
    page.wait_for_selector("#dock-scan:focus")
    page.keyboard.type(ran)
    page.keyboard.press("Enter")
    page.wait_for_selector("#dock-scans li[data-scan]")


def shoot(base: str, pks: dict[str, int]) -> None:
    from playwright.sync_api import sync_playwright

    shots = [
        ("manager", "/admin/", "dashboard.png", None),
        ("manager", f"/admin/rma/returnrequest/{pks['full']}/change/", "return-page.png", None),
        ("manager", "/admin/rma/returnrequest/", "returns-list.png", None),
        ("inspector", f"/admin/inspect/{pks['received']}/unit/1/", "inspector-form.png", None),
        ("finance", "/admin/refunds/refund/", "finance-queue.png", None),
        ("dock", "/admin/dock/", "dock-screen.png", lambda page: scan_at_the_dock(page, pks["authorized_ran"])),
        ("manager", "/admin/report/", "reports-page.png", None),
    ]
    OUT.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium_path(), headless=True, args=CHROMIUM_ARGS)
        for username, path, filename, then in shots:
            page = browser.new_context(viewport={"width": 1400, "height": 900}).new_page()
            page.goto(f"{base}/admin/login/")
            page.fill("#id_username", username)
            page.fill("#id_password", PASSWORD)
            page.press("#id_password", "Enter")
            page.wait_for_load_state()
            page.goto(f"{base}{path}")
            if then:
                then(page)
            page.screenshot(path=str(OUT / filename), full_page=True)
            print(f"docs/screenshots/{filename}")
        browser.close()


def main() -> None:
    with tempfile.TemporaryDirectory() as workdir:
        env = {key: value for key, value in os.environ.items() if key != "DATABASE_URL"}
        env.update(SQLITE_PATH=f"{workdir}/screens.sqlite3", MEDIA_ROOT=f"{workdir}/media", DEBUG="true")
        manage(env, "migrate", "--noinput")
        manage(env, "seed_demo")
        port = free_port()
        server = subprocess.Popen(
            [sys.executable, "manage.py", "runserver", f"127.0.0.1:{port}", "--noreload"],
            cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )
        try:
            base = f"http://127.0.0.1:{port}"
            wait_until_up(f"{base}/admin/login/")
            shoot(base, targets(env))
        finally:
            server.terminate()
            server.wait()


if __name__ == "__main__":
    main()
