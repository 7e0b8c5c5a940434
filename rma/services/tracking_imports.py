"""A carrier's tracking file imported whole: checked holding no lock, then applied in one short transaction."""

from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any

from django.db import transaction
from django.db.models.functions import Upper

from core.actors import Actor, require
from core.errors import DomainError, InvalidInput
from core.imports import ImportProblem
from rma import selectors
from rma.models import CarrierEvent, CarrierEventOutcome, ReturnRequest, ReturnState
from rma.services.shipping import carrier_event_outcome, preferring_live, record_carrier_event_on, shipping_carrier
from rma.tracking_import import ALREADY_IMPORTED, LOOKED_UP_AGAIN, NEW, ScanInFile, TrackingFile, TrackingImportReport

# Tracking numbers per query: well within every database's limit on parameters.
LOOKUP_BATCH = 2000

Key = tuple[str, str, object]


def import_carrier_events(
    *, columns: Sequence[Any], rows: Sequence[Mapping[Any, Any]], actor: Actor, dry_run: bool = False,
    on_progress: Callable[[int, int], None] | None = None,
) -> TrackingImportReport:
    """Record every scan of a carrier's tracking file (see rma.tracking_import) by record_carrier_event's
    rules, all or nothing.

    Every row is checked first, holding no lock however long the file: its cells, the return its
    tracking number names, whether it was imported before, and what it will do to its return (rows
    of one return in file order). With any problem nothing is written, and the report names each by
    row and column. A dry run stops there and foresees each row's outcome. Otherwise one transaction
    locks the file's returns at once, checks all that again (a return may have moved, or another
    import recorded the same scans, meanwhile), and records each row through record_carrier_event's
    own rules: every change a ReturnEvent of the actor. `on_progress` hears (rows checked, rows in the file).
    """
    actor = require(actor, "rma.import_tracking", action="import carrier tracking")
    scans, problems = TrackingFile(columns=columns, rows=rows).read(on_progress=on_progress)
    if not problems:
        problems = _foresee(scans, returns=_returns_by_number(scans, lock=False), recorded=_earlier_records(scans))
    report = TrackingImportReport(scans=scans, problems=problems, dry_run=dry_run)
    if not report.applied:
        return report
    with transaction.atomic():
        problems = _apply(scans, actor=actor)
        if problems:
            transaction.set_rollback(True)
            return TrackingImportReport(scans=scans, problems=problems, dry_run=dry_run)
    return report


def _batches(numbers: Iterable[str]) -> Iterable[list[str]]:
    numbers = sorted(set(numbers))
    for start in range(0, len(numbers), LOOKUP_BATCH):
        yield numbers[start:start + LOOKUP_BATCH]


def _returns_by_number(scans: list[ScanInFile], *, lock: bool) -> dict[str, list[ReturnRequest]]:
    """The returns each upper-case tracking number of the file may belong to (see preferring_live)."""
    found: dict[str, list[ReturnRequest]] = defaultdict(list)
    for batch in _batches(scan.key[0] for scan in scans):
        for rma in selectors.returns_with_tracking_numbers(tracking_numbers=batch):
            found[rma.tracking_upper].append(rma)
    if lock:
        found = _locked_again(found)
    return {number: preferring_live(candidates) for number, candidates in found.items()}


def _locked_again(found: dict[str, list[ReturnRequest]]) -> dict[str, list[ReturnRequest]]:
    """The returns found, locked in the order of their ids across every batch (two imports of overlapping
    files then never wait on each other in a circle) and read again under the lock: a return whose
    tracking number changed since drops out."""
    pks = sorted({rma.pk for candidates in found.values() for rma in candidates})
    again: dict[str, list[ReturnRequest]] = defaultdict(list)
    for start in range(0, len(pks), LOOKUP_BATCH):
        batch = pks[start:start + LOOKUP_BATCH]
        locked = (ReturnRequest.objects.select_for_update(of=("self",)).select_related("client")
                  .annotate(tracking_upper=Upper("tracking_number")).filter(pk__in=batch).order_by("pk"))
        for rma in locked:
            if rma.tracking_upper in found:
                again[rma.tracking_upper].append(rma)
    return again


def _earlier_records(scans: list[ScanInFile]) -> dict[Key, CarrierEvent]:
    """The first record of each scan of the file imported before."""
    records: dict[Key, CarrierEvent] = {}
    for batch in _batches(scan.key[0] for scan in scans):
        for record in selectors.recorded_carrier_events(tracking_numbers=batch):
            records.setdefault((record.tracking_upper, record.event, record.occurred_at), record)
    return records


def _action(earlier: CarrierEvent | None) -> str:
    if earlier is None:
        return NEW
    return ALREADY_IMPORTED if earlier.is_settled else LOOKED_UP_AGAIN


def _foresee(
    scans: list[ScanInFile], *, returns: dict[str, list[ReturnRequest]], recorded: dict[Key, CarrierEvent],
) -> list[ImportProblem]:
    """Give each scan its action and the record it will leave, changing nothing; a row that cannot be
    applied is a problem. A return's state is followed through the file: its first moving scan ships it."""
    states: dict[int, str] = {}
    recorded = dict(recorded)
    problems = []
    for scan in scans:
        matches = returns.get(scan.key[0], [])
        earlier = recorded.get(scan.key)
        scan.action = _action(earlier)
        if earlier is not None and (earlier.is_settled or len(matches) != 1):
            scan.record = earlier
            continue
        rma, outcome, message = carrier_event_outcome(
            tracking_number=scan.tracking_number, event=scan.event, matches=matches,
            state_of=lambda rma: states.get(rma.pk, rma.state),
        )
        if outcome == CarrierEventOutcome.APPLIED:
            try:
                shipping_carrier(rma=rma, carrier=scan.carrier)
            except InvalidInput as refused:
                problems.append(ImportProblem(scan.row, "carrier", f"return {rma} has no carrier: {refused.message}"))
            states[rma.pk] = ReturnState.IN_TRANSIT
        scan.record = recorded[scan.key] = CarrierEvent(
            **scan.fields(), return_request=rma, outcome=outcome, message=message,
        )
    return problems


def _apply(scans: list[ScanInFile], *, actor: Actor) -> list[ImportProblem]:
    """Inside the import's transaction: lock the file's returns, check the file again, record every row."""
    returns = _returns_by_number(scans, lock=True)
    recorded = _earlier_records(scans)
    problems = _foresee(scans, returns=returns, recorded=recorded)
    if problems:
        return problems
    for scan in scans:
        earlier = recorded.get(scan.key)
        scan.action = _action(earlier)
        try:
            scan.record = record_carrier_event_on(
                matches=returns.get(scan.key[0], []), recorded=earlier, actor=actor, **scan.fields(),
            )
        except DomainError as refused:
            problems.append(ImportProblem(scan.row, "", refused.message))
            continue
        recorded[scan.key] = scan.record
    return problems
