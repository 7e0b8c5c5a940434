"""Settlement files: the refunds a client's own systems pay (to the original payment method, or as an
exchange's replacement order), and their confirmation.

The settlement file lists, per client, every such refund it owes: approved, sent to its system and
awaiting confirmation (`requested`), or failed on the way; an exchange names the SKU to send. Its finance
team pays them (or places the replacement orders) and sends back a confirmation file, one row per payout:
`refund_id` or `ran` (or both), `reference` (the payout's, or the replacement order's number), `date_paid`,
and optionally `amount` and `currency`, checked against the refund. The settlement file's other columns
may stay in it and are ignored, so the client can fill in two columns of the file it got.

Importing the confirmations checks every row first, holding no lock however long the file (a large one
runs as an import job, refunds.import_jobs, reporting its progress); while any row has a problem nothing
is applied. Applying is then one short transaction: it locks the returns and refunds it completes, checks
those rows again (a refund may have been paid, denied or switched to store credit meanwhile), and
completes each through refunds.services.complete_refund as the `settlement_import` job (the person
importing needs `refunds.import_settlement`), which ends its return; any refusal undoes them all. A
refund already issued with the same reference is "already settled": importing a file twice changes nothing.

Why a file holds at most MOST_ROWS (1,000) rows: the apply completes one refund at a time through the
service (about 22 queries each: its locks, the transition, the event, the webhook and the customer's
email), and holds every lock it took until it commits, so its length grows with the file. Measured with
bench/settlement_import.py on the 2-core development machine while other test suites kept it busy (load
average 6 to 10): 10 to 26 refunds a second, with 14 to 18 ms of this process's CPU each; 2,000 refunds
held their locks for 150 s, 1,000 for 97 s, 500 for 19 s. A file of 20,000 would hold them for tens of
minutes. At 1,000 a file applies in well under half a minute on a quiet machine (about a minute and a
half under that load), so a request waiting on one of its returns is not held for minutes; a larger batch
is split into several files. Checking is not what limits it: 2,000 rows are checked in under a second.
Files of more than INLINE_MOST_ROWS rows are imported as a job rather than within the request.
"""
import contextlib
import datetime as dt
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import IO, Any

from django.db import transaction
from django.db.models import Count, QuerySet
from django.utils import timezone

from core.actors import Actor, SystemActor, require, user_of
from core.errors import DomainError, InvalidInput
from core.imports import HEADER_ROW, ImportProblem, ImportReport, RowReader, header_problems
from core.money import format_money, quantize
from core.spreadsheet import Value, write_csv, write_xlsx
from core.words import counted
from refunds import payouts, services
from refunds.models import Refund, RefundStatus
from rma import ran as ran_codes
from rma.models import Client, ReturnRequest

# What the client's own systems pay, and what it still owes of them: approved, sent to it, or failed there.
SETTLED_BY_CLIENT = tuple(services.ASKED_OF_THE_CLIENT)
OWED_STATUSES = (RefundStatus.APPROVED, RefundStatus.REQUESTED, RefundStatus.FAILED)
SETTLEMENT_COLUMNS = [
    "refund_id", "ran", "order_number", "method", "exchange_sku", "payment_method", "payment_reference", "amount",
    "currency", "status", "approved_at",
]
FILE_FORMATS = {"csv": "text/csv", "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"}

# The confirmation file: which refund (by id or by its return's RAN), the payout's reference and day.
CONFIRMATION_COLUMNS = ["refund_id", "ran", "reference", "date_paid", "amount", "currency"]
REQUIRED_COLUMNS = ["reference", "date_paid"]
IGNORED_COLUMNS = [column for column in SETTLEMENT_COLUMNS if column not in CONFIRMATION_COLUMNS]
# Below the import files' own limit (settings.IMPORT_MAX_ROWS): applying completes each refund in turn, in
# the one transaction that keeps the file all or nothing, and that transaction stays short (see the module).
MOST_ROWS = 1_000
# Applied within the upload's request up to this many rows (a few seconds, far below the web timeout);
# a larger file becomes an import job.
INLINE_MOST_ROWS = 100
# How often checking a file reports its progress, in rows.
PROGRESS_EVERY = 1000

SETTLEMENT_IMPORT = SystemActor(job="settlement_import")
SETTLE, ALREADY_SETTLED = "settle", "already_settled"


def owed_refunds(*, client: Client) -> QuerySet[Refund]:
    """The refunds the client's own systems still owe, oldest approval first."""
    return (
        Refund.objects.filter(return_request__client=client, method__in=SETTLED_BY_CLIENT, status__in=OWED_STATUSES)
        .select_related("return_request__order")
        .order_by("approved_at", "id")
    )


def owed_per_client() -> dict[int, int]:
    """How many refunds each client's own systems owe, by client id."""
    rows = (
        Refund.objects.filter(method__in=SETTLED_BY_CLIENT, status__in=OWED_STATUSES).order_by()
        .values("return_request__client").annotate(n=Count("id"))
    )
    return {row["return_request__client"]: row["n"] for row in rows}


def settlement_rows(*, client: Client, actor: Actor) -> list[list[Value]]:
    """The settlement file's rows for `client`, amounts in its currency's decimals (50.00 EUR, 5000 JPY)."""
    require(actor, "refunds.export_settlement", action="download settlement files", on=client)
    rows = []
    for refund in owed_refunds(client=client):
        rma = refund.return_request
        order = rma.order
        rows.append([
            refund.pk, rma.ran, order.number, refund.method, rma.exchange_sku, order.payment_method,
            order.payment_reference,
            quantize(refund.amount, refund.currency), refund.currency, refund.status, refund.approved_at,
        ])
    return rows


def write_settlement_file(*, client: Client, actor: Actor, file_format: str, file: IO[bytes]) -> None:
    """Write the client's settlement file as CSV or XLSX; text is neutralised against formulas."""
    rows = settlement_rows(client=client, actor=actor)
    if file_format == "csv":
        write_csv(SETTLEMENT_COLUMNS, rows, file)
    elif file_format == "xlsx":
        write_xlsx(SETTLEMENT_COLUMNS, rows, file, title=f"Settlement {client.code}")
    else:
        raise InvalidInput(f"A settlement file is {' or '.join(FILE_FORMATS)}.")


def settlement_file_name(*, client: Client, file_format: str) -> str:
    return f"settlement-{client.code}-{timezone.localdate():%Y-%m-%d}.{file_format}"


# -- the confirmation file ---------------------------------------------------------------------------


@dataclass
class Confirmation:
    """One row of the file: the refund it names, the payout, and what importing it does."""

    row: int
    refund: Refund
    reference: str
    paid_on: dt.date
    action: str  # SETTLE, or ALREADY_SETTLED when the refund is issued with this reference
    column: str  # the one that named the refund: refund_id or ran
    cells: Mapping[str, Any]  # the row as read, to check it again when applying


@dataclass(kw_only=True)
class SettlementImportReport(ImportReport):
    """What an import of this kind did, or in a dry run would do (core.imports.ImportReport)."""

    client: Client
    confirmations: list[Confirmation]

    @property
    def to_settle(self) -> list[Confirmation]:
        return [confirmation for confirmation in self.confirmations if confirmation.action == SETTLE]

    @property
    def summary(self) -> str:
        settled = "settled" if self.applied else "to settle"
        already = len(self.confirmations) - len(self.to_settle)
        return f"{counted(len(self.to_settle), 'refund')} {settled}, {already} already settled"


class _NothingApplied(Exception):
    """Undoes the apply's transaction; the report's problems say why."""


def _as_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, dt.datetime):
        return value.date().isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value).strip()


def _header(column: Any) -> str:
    """A header as a person types it: " Refund ID" is the refund_id column."""
    return _as_text(column).lower().replace(" ", "_").replace("-", "_")


def _header_problems(columns: list[str]) -> list[ImportProblem]:
    named = [column for column in columns if column]
    problems = header_problems(
        columns, known=[*CONFIRMATION_COLUMNS, *IGNORED_COLUMNS], required=REQUIRED_COLUMNS,
        file_label="confirmation file", listed=CONFIRMATION_COLUMNS,
    )
    if "refund_id" not in named and "ran" not in named:
        problems.append(ImportProblem(HEADER_ROW, "refund_id", "give a refund_id or a ran column"))
    return problems


class _Rows:
    """The file's rows by header, with the refunds and returns they name loaded in a few queries."""

    def __init__(self, *, client: Client, columns: Sequence[Any], rows: Sequence[Mapping[Any, Any]]) -> None:
        self.client = client
        self.columns = [_header(column) for column in columns]
        self.rows = [{_header(column): value for column, value in row.items() if _header(column)} for row in rows]
        self.refund_ids = {number for row in self.rows if (number := _refund_id(row.get("refund_id"))) is not None}
        self.rans = {ran for row in self.rows if (ran := ran_codes.parse_ran(_as_text(row.get("ran"))))}

    def load(self) -> None:
        refunds = Refund.objects.select_related("return_request__client")
        self.refunds = refunds.in_bulk(self.refund_ids)
        self.returns = {
            rma.ran: rma for rma in ReturnRequest.objects.filter(ran__in=self.rans).prefetch_related("refunds")
        }


def _refund_id(value: Any) -> int | None:
    text = _as_text(value)
    return int(text) if text.isdigit() and len(text) < 19 else None


class _RowReader(RowReader):
    """Reads the cells of one row of a confirmation file."""

    def text(self, column: str) -> str:
        text = _as_text(self.raw.get(column))
        if "\x00" in text:
            self.problem(column, "contains a NUL character")
            return ""
        return text


def _refund_of_row(reader: _RowReader, rows: _Rows, reference: str) -> tuple[Refund | None, str]:
    """The refund the row names, and the column that named it."""
    client = rows.client
    id_text, ran_text = reader.text("refund_id"), reader.text("ran")
    if not id_text and not ran_text:
        reader.problem("refund_id", "give the refund_id or the ran of the refund paid")
        return None, "refund_id"
    refund = None
    if id_text:
        number = _refund_id(id_text)
        refund = rows.refunds.get(number) if number is not None else None
        if number is None:
            reader.problem("refund_id", f"'{id_text}' is not a refund id (a whole number)")
            return None, "refund_id"
        if refund is None:
            reader.problem("refund_id", f"no refund has the id {number}")
            return None, "refund_id"
        if refund.return_request.client_id != client.pk:
            reader.problem("refund_id", f"refund {number} is another client's, not {client.code}'s")
            return None, "refund_id"
    if not ran_text:
        return refund, "refund_id"
    ran = ran_codes.parse_ran(ran_text)
    rma = rows.returns.get(ran) if ran else None
    if ran is None:
        reader.problem("ran", f"'{ran_text}' is not a RAN: mistyped, or its check symbol is wrong")
    elif rma is None:
        reader.problem("ran", f"no return has the RAN {ran}")
    elif rma.client_id != client.pk:
        reader.problem("ran", f"return {ran} is another client's, not {client.code}'s")
    elif refund is not None and refund.return_request_id != rma.pk:
        reader.problem("ran", f"refund {refund.pk} is of return {refund.return_request.ran}, not of {ran}")
    elif refund is not None:
        return refund, "refund_id"
    else:
        return _refund_of_return(reader, rma, reference), "ran"
    return None, "ran"


def _refund_of_return(reader: _RowReader, rma: ReturnRequest, reference: str) -> Refund | None:
    """The return's refund the client pays: the one owed, else the one settled with this reference."""
    by_client = [refund for refund in rma.refunds.all() if refund.method in SETTLED_BY_CLIENT]
    owed = [refund for refund in by_client if refund.status in OWED_STATUSES]
    if len(owed) > 1:
        reader.problem("ran", f"return {rma.ran} owes {len(owed)} refunds: name each by its refund_id")
        return None
    if not by_client:
        reader.problem("ran", f"return {rma.ran} has no refund to the original payment method or exchange")
        return None
    settled = [refund for refund in by_client if refund.status == RefundStatus.ISSUED
               and refund.external_reference == reference]
    return (owed or settled or by_client[-1:])[0]


def _iso_day(text: str) -> dt.date | None:
    """The day of an ISO 8601 date (2026-11-30) or date and time (2026-11-30T14:05:00+01:00, its own day)."""
    for parse in (dt.date.fromisoformat, lambda text: dt.datetime.fromisoformat(text).date()):
        try:
            return parse(text)
        except ValueError:
            continue
    return None


def _paid_on(reader: _RowReader, client: Client, refund: Refund | None) -> dt.date | None:
    value = reader.raw.get("date_paid")
    if isinstance(value, dt.datetime):
        day = value.date()
    elif isinstance(value, dt.date):
        day = value
    else:
        text = reader.text("date_paid")
        if not text:
            reader.problem("date_paid", "required, but empty")
            return None
        day = _iso_day(text)
        if day is None:
            reader.problem("date_paid", f"'{text}' is not a date: write it as ISO 8601, e.g. 2026-11-30")
            return None
    today = timezone.localdate(timezone=client.zone)
    if day > today:
        reader.problem("date_paid", f"{day.isoformat()} is in the future ({client.code}'s today is {today})")
    elif refund is not None and refund.approved_at:
        approved = timezone.localdate(refund.approved_at, timezone=client.zone)
        if day < approved:
            reader.problem("date_paid", f"{day.isoformat()} is before refund {refund.pk} was approved, on {approved}")
    return day


def _check_against_refund(reader: _RowReader, refund: Refund, column: str, reference: str) -> str | None:
    """What the row does to its refund (SETTLE or ALREADY_SETTLED), or None when it cannot."""
    if refund.method not in SETTLED_BY_CLIENT:
        reader.problem(column, f"refund {refund.pk} is paid as {refund.get_method_display().lower()}, "
                               "not to the original payment method or as an exchange")
        return None
    amount_text = reader.text("amount")
    if amount_text:
        try:
            amount = Decimal(amount_text)
        except InvalidOperation:
            amount = None
        owed = quantize(refund.amount, refund.currency)
        if amount is None or not amount.is_finite():
            reader.problem("amount", f"'{amount_text}' is not a number (write it like 1234.50)")
        elif amount != owed:
            reader.problem("amount", f"{amount_text} is not refund {refund.pk}'s amount, "
                                     f"{format_money(owed, refund.currency)}")
    currency = reader.text("currency").upper()
    if currency and currency != refund.currency:
        reader.problem("currency", f"refund {refund.pk} is in {refund.currency}, not {currency}")
    if refund.status == RefundStatus.ISSUED:
        if refund.external_reference == reference:
            return ALREADY_SETTLED
        reader.problem("reference", f"refund {refund.pk} was already issued with reference "
                                    f"'{refund.external_reference}', not '{reference}'")
        return None
    if refund.status not in OWED_STATUSES:
        reader.problem(column, f"refund {refund.pk} is {refund.get_status_display().lower()}: "
                               "only approved refunds are settled")
        return None
    return SETTLE


def _reference(reader: _RowReader) -> str:
    reference = reader.text("reference")
    if not reference:
        reader.problem("reference", "required, but empty")
    elif len(reference) > payouts.LONGEST_REFERENCE:
        reader.problem("reference", f"longer than {payouts.LONGEST_REFERENCE} characters")
    return reference


def _plan(
    rows: _Rows, *, on_progress: Callable[[int, int], None] | None = None,
) -> tuple[list[Confirmation], list[ImportProblem]]:
    """Every row read and checked against its refund, holding no lock; `on_progress` hears (rows checked,
    rows in the file) every PROGRESS_EVERY rows and at the end."""
    problems = _header_problems(rows.columns)
    if problems:
        return [], problems
    rows.load()
    confirmations: list[Confirmation] = []
    seen: dict[int, int] = {}
    for number, raw in enumerate(rows.rows, start=HEADER_ROW + 1):
        if on_progress and (number - HEADER_ROW) % PROGRESS_EVERY == 0:
            on_progress(number - HEADER_ROW, len(rows.rows))
        if not any(_as_text(value) for value in raw.values()):
            continue
        reader = _RowReader(number, raw, problems)
        reference = _reference(reader)
        refund, column = _refund_of_row(reader, rows, reference)
        paid_on = _paid_on(reader, rows.client, refund)
        action = _check_against_refund(reader, refund, column, reference) if refund else None
        if refund is not None and refund.pk in seen:
            reader.problem(column, f"refund {refund.pk} is already on row {seen[refund.pk]}")
        if refund is not None:
            seen.setdefault(refund.pk, number)
        if not reader.bad:
            confirmations.append(Confirmation(row=number, refund=refund, reference=reference, paid_on=paid_on,
                                              action=action, column=column, cells=raw))
    if on_progress:
        on_progress(len(rows.rows), len(rows.rows))
    return confirmations, problems


def _lock_and_check_again(report: SettlementImportReport) -> None:
    """Lock what applying completes, in the services' order (returns, then refunds, each by id), and check
    those rows again against their refunds as they are now: each may have been paid, denied or switched
    to store credit since it was checked. A refund paid meanwhile with the row's own reference is already
    settled; anything else the check would refuse now is a problem of its row."""
    to_settle = report.to_settle
    returns = ReturnRequest.objects.select_for_update().filter(pk__in={c.refund.return_request_id for c in to_settle})
    list(returns.order_by("pk").values_list("pk", flat=True))
    refunds = Refund.objects.select_for_update(of=("self",)).select_related("return_request__client")
    now = {refund.pk: refund for refund in refunds.filter(pk__in=[c.refund.pk for c in to_settle]).order_by("pk")}
    for confirmation in to_settle:
        reader = _RowReader(confirmation.row, confirmation.cells, report.problems)
        refund = confirmation.refund = now[confirmation.refund.pk]
        _paid_on(reader, report.client, refund)
        action = _check_against_refund(reader, refund, confirmation.column, confirmation.reference)
        confirmation.action = action or confirmation.action


def _apply(report: SettlementImportReport, *, actor: Actor, file_name: str) -> None:
    """Complete every refund to settle; a refusal undoes them all."""
    user = user_of(actor)
    for confirmation in report.to_settle:
        details = {"paid_on": confirmation.paid_on.isoformat(), "settlement_file": file_name[:200],
                   "settlement_row": confirmation.row, "imported_by": user.pk if user else None}
        try:
            services.complete_refund(refund=confirmation.refund, actor=SETTLEMENT_IMPORT,
                                     reference=confirmation.reference, details=details)
        except DomainError as error:
            report.problems.append(ImportProblem(confirmation.row, "reference", error.message))
    if report.problems:
        raise _NothingApplied


def import_settlement_confirmations(
    *, client: Client, columns: Sequence[Any], rows: Sequence[Mapping[Any, Any]], actor: Actor,
    dry_run: bool = False, file_name: str = "", on_progress: Callable[[int, int], None] | None = None,
) -> SettlementImportReport:
    """Complete the client's refunds its confirmation file says were paid, all or nothing (see the module).

    Every row is checked first holding no lock (a dry run stops there); a file with any problem never
    locks anything. Applying then, in one transaction, locks the refunds to settle and their returns,
    checks those rows again and completes each refund. `on_progress` hears (rows checked, rows in the file).
    """
    actor = require(actor, "refunds.import_settlement", action="import settlement confirmations", on=client)
    if len(rows) > MOST_ROWS:
        problem = ImportProblem(None, "", f"The file has {len(rows):,} rows; a confirmation file holds at most "
                                          f"{MOST_ROWS:,}. Split it and import each part.")
        return SettlementImportReport(client=client, confirmations=[], problems=[problem], dry_run=dry_run)
    confirmations, problems = _plan(_Rows(client=client, columns=columns, rows=rows), on_progress=on_progress)
    report = SettlementImportReport(client=client, confirmations=confirmations, problems=problems, dry_run=dry_run)
    if not report.applied:
        return report
    # Outside the transaction, so that it is rolled back: the report's problems say why.
    with contextlib.suppress(_NothingApplied), transaction.atomic():
        _lock_and_check_again(report)
        if report.problems:
            raise _NothingApplied
        _apply(report, actor=actor, file_name=file_name)
    report.problems.sort(key=lambda problem: problem.row or 0)
    return report
