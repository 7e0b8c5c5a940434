"""Open every admin page as `manager` and as `admin`, on whatever database the settings name.

tests/test_sqlite_smoke.py runs it on a fresh SQLite file after `migrate` and `seed_demo`:

    python tests/sqlite_smoke.py

First the manager exports the returns in the background, as a large export would go: export jobs
exist only once someone exports, so the demo has none, and with no REDIS_URL the job must still
end done in-process and offer its file. Then the manager imports the example order file as a large
import would go, as an import job that must end done in-process too. It exits non-zero, listing every page that did not
answer 200.
"""

import os
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "returns_site.settings")

import django

django.setup()

from django.contrib import admin  # noqa: E402
from django.contrib.admin.utils import quote  # noqa: E402
from django.core.files.uploadedfile import SimpleUploadedFile  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import override_settings  # noqa: E402
from django.urls import reverse  # noqa: E402

from backoffice.management.commands.seed_demo import demo_password  # noqa: E402
from importjobs.models import ImportJob, ImportStatus  # noqa: E402
from reports.models import ExportJob, ExportStatus  # noqa: E402
from reports.selectors import previous_month  # noqa: E402
from rma.models import Client as Merchant  # noqa: E402
from rma.models import ReturnRequest  # noqa: E402

USERNAMES = ["manager", "admin"]


def signed_in(username: str) -> Client | None:
    """A browser signed in through the admin's login page (as a person would: lockout checks need the request)."""
    browser = Client(raise_request_exception=False)
    response = browser.post(reverse("admin:login"), {"username": username, "password": demo_password()})
    return browser if response.status_code == 302 else None


def admin_pages() -> tuple[list[str], list[str]]:
    """The index, reports, a monthly PDF, then each ModelAdmin's changelist and one change page; and what has no row."""
    merchant = Merchant.objects.order_by("pk").first()
    monthly = f"{reverse('admin:reports_monthly')}?client={merchant.pk}&month={previous_month():%Y-%m}"
    pages, empty = [reverse("admin:index"), reverse("admin:reports"), monthly], []
    for model in sorted(admin.site._registry, key=lambda model: model._meta.label):
        opts = model._meta
        pages.append(reverse(f"admin:{opts.app_label}_{opts.model_name}_changelist"))
        first = model._default_manager.order_by("pk").first()
        if first is None:
            empty.append(opts.label)
            continue
        pages.append(reverse(f"admin:{opts.app_label}_{opts.model_name}_change", args=[quote(first.pk)]))
    return pages, empty


def export_in_background() -> list[str]:
    """The manager's export of the returns as a job; what went wrong, if anything."""
    browser = signed_in("manager")
    if browser is None:
        return ["manager: cannot log in with the demo password"]
    with override_settings(EXPORT_INLINE_MAX_ROWS=0):
        response = browser.post(reverse("admin:rma_returnrequest_export"), {"format": "1", "resource": "0"})
    job = ExportJob.objects.order_by("-pk").first()
    if response.status_code != 302 or job is None:
        return [f"manager: a background export answered {response.status_code} and made no job"]
    if job.status != ExportStatus.DONE:
        return [f"export job {job.pk} ended {job.status}, not done: {job.error}"]
    status = browser.get(reverse("admin:reports_exportjob_download", args=[job.pk])).status_code
    return [] if status == 200 else [f"manager: downloading export job {job.pk} answered {status}"]


def import_in_background() -> list[str]:
    """The manager's import of the example order file as a job; what went wrong, if anything."""
    browser = signed_in("manager")
    if browser is None:
        return ["manager: cannot log in with the demo password"]
    example = Path(__file__).resolve().parent.parent / "static" / "rma" / "order-import-example.csv"
    upload = SimpleUploadedFile("orders.csv", example.read_bytes())
    with override_settings(IMPORT_INLINE_MAX_ROWS=0):
        response = browser.post(reverse("admin:rma_order_import"), {"import_file": upload, "format": "0",
                                                                    "resource": "0"})
    job = ImportJob.objects.order_by("-pk").first()
    if response.status_code != 302 or job is None:
        return [f"manager: a background import answered {response.status_code} and made no job"]
    if job.status != ImportStatus.DONE:
        return [f"import job {job.pk} ended {job.status}, not done: {job.error or job.problems}"]
    return []


def search_finds_returns() -> list[str]:
    """The returns list's search, as it runs without PostgreSQL's indexes: each kind of term finds its return."""
    browser = signed_in("manager")
    if browser is None:
        return ["manager: cannot log in with the demo password"]
    rma = ReturnRequest.objects.select_related("order", "customer").order_by("pk").first()
    terms = [rma.customer.email.upper(), rma.order.number.lower(), *rma.customer.name.split()[-1:]]
    shown = rma.ran or f"request #{rma.pk}"
    problems = []
    for term in terms:
        response = browser.get(reverse("admin:rma_returnrequest_changelist"), {"q": term})
        if response.status_code != 200 or shown not in response.content.decode():
            problems.append(f"manager: searching the returns for {term!r} answered {response.status_code}"
                            f" without return {rma.pk}")
    return problems


def main() -> int:
    problems = export_in_background() + import_in_background() + search_finds_returns()
    pages, empty = admin_pages()
    problems += [f"no {label} row to open a change page of: seed_demo should create one" for label in empty]
    for username in USERNAMES:
        # Errors come back as 500 responses (with the traceback logged) so every page is tried.
        browser = signed_in(username)
        if browser is None:
            problems.append(f"{username}: cannot log in with the demo password")
            continue
        for url in pages:
            status = browser.get(url).status_code
            if status != 200:
                problems.append(f"{username}: GET {url} answered {status}")
    for problem in problems:
        print(problem)
    print(f"{len(pages)} admin pages checked for {', '.join(USERNAMES)}: {len(problems)} problem(s).")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
