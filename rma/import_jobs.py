"""The rma stage's imports that run as import jobs (importjobs) when a file is large: client orders."""

from django.contrib.auth.models import AbstractBaseUser

from core.imports import Sheet
from importjobs.registry import ImportKind, Outcome, Progress, register
from rma import services


def run_order_import(*, sheet: Sheet, actor: AbstractBaseUser, on_progress: Progress) -> Outcome:
    rows = [dict(zip(sheet.headers, values, strict=False)) for values in sheet.rows]
    report = services.import_orders(columns=sheet.headers, rows=rows, actor=actor, on_progress=on_progress)
    return Outcome(problems=report.problems, summary=report.summary)


ORDERS = ImportKind(
    name="orders", label="Client orders", permission="reports.import_orders",
    import_url_name="admin:rma_order_import", list_url_name="admin:rma_order_changelist", run=run_order_import,
)


def register_import_kinds() -> None:
    register(ORDERS)
