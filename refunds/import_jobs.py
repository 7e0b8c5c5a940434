"""The refunds stage's imports that run as import jobs (importjobs) when a file is large: settlement
confirmations, of the client picked on the upload page (the job's `client_id` option)."""

from django.contrib.auth.models import AbstractBaseUser

from core.imports import Sheet
from importjobs.registry import ImportKind, Outcome, Progress, register
from refunds import settlement
from rma.models import Client


def run_settlement_import(
    *, sheet: Sheet, actor: AbstractBaseUser, on_progress: Progress, client_id: int, file_name: str,
) -> Outcome:
    client = Client.objects.get(pk=client_id)
    rows = [dict(zip(sheet.headers, values, strict=False)) for values in sheet.rows]
    report = settlement.import_settlement_confirmations(
        client=client, columns=sheet.headers, rows=rows, actor=actor, file_name=file_name, on_progress=on_progress,
    )
    return Outcome(problems=report.problems, summary=f"confirmations of {client}: {report.summary}")


SETTLEMENT = ImportKind(
    name="settlement", label="Settlement confirmations", permission="refunds.import_settlement",
    import_url_name="admin:refunds_refund_import", list_url_name="admin:refunds_refund_changelist",
    run=run_settlement_import,
)


def register_import_kinds() -> None:
    register(SETTLEMENT)
