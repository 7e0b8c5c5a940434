"""Headless Chromium for browser tests: Debian's chromium driven by Playwright.

Playwright's own browser download does not work everywhere, so tests launch the system Chromium.
Where it is missing the tests skip with the reason, except under CI=true, where it is a failure.
"""

import os
import shutil

from tests.tools import missing

CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
    "--disable-sync", "--no-first-run", "--disable-quic",
]


def chromium_path() -> str | None:
    return os.environ.get("CHROMIUM") or shutil.which("chromium") or shutil.which("chromium-browser")


def launch(playwright):
    executable = chromium_path()
    if executable is None:
        missing("Chromium is not installed (Debian package 'chromium'; make test installs it as root)")
    return playwright.chromium.launch(executable_path=executable, headless=True, args=CHROMIUM_ARGS)


def sign_in(page, username: str, password: str = "x") -> None:
    """Sign in through the admin's login page (test users have the password "x") and wait for the dashboard."""
    page.context.clear_cookies()
    page.goto("/admin/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", password)
    page.press("#id_password", "Enter")
    page.wait_for_selector("#stage-figures")
