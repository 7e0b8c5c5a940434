"""The rma stage's imports that run as import jobs (importjobs) when a file is large: client orders and
carriers' tracking files."""

from django.contrib.auth.models import AbstractBaseUser

from core.imports import Sheet
from importjobs.registry import ImportKind, Outcome, Progress, register
from rma import services


def _rows_of(sheet: Sheet) -> list[dict]:
    return [dict(zip(sheet.headers, values, strict=False)) for values in sheet.rows]


def run_order_import(*, sheet: Sheet, actor: AbstractBaseUser, on_progress: Progress) -> Outcome:
    report = services.import_orders(columns=sheet.headers, rows=_rows_of(sheet), actor=actor, on_progress=on_progress)
    return Outcome(problems=report.problems, summary=report.summary)


def run_carrier_import(*, sheet: Sheet, actor: AbstractBaseUser, on_progress: Progress) -> Outcome:
    report = services.import_carrier_events(
        columns=sheet.headers, rows=_rows_of(sheet), actor=actor, on_progress=on_progress
    )
    return Outcome(problems=report.problems, summary=report.summary)


ORDERS = ImportKind(
    name="orders", label="Client orders", permission="reports.import_orders",
    import_url_name="admin:rma_order_import", list_url_name="admin:rma_order_changelist", run=run_order_import,
)
CARRIER_EVENTS = ImportKind(
    name="carrier_events", label="Carrier tracking events", permission="rma.import_tracking",
    import_url_name="admin:rma_carrierevent_import", list_url_name="admin:rma_carrierevent_changelist",
    run=run_carrier_import,
    # As on the Import page (core.import_admin.CheckedXLSX): a spreadsheet's computed time is its value.
    formulas_as_text=False,
)


def register_import_kinds() -> None:
    register(ORDERS)
    register(CARRIER_EVENTS)
