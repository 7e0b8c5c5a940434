"""Personal data: a customer's erased on their request, and closed returns' purged after the retention period.

What goes: the customer's name, email, phone and address (replaced by `erased-<id>` placeholders and
blanks; the country stays, for the reports), the address of each of their orders, every file hanging on
their returns but the inspectors' unit photos (rma.redaction.KEPT_FILES: the customer's damage photo,
the receipt, the dock's parcel photos with their label), their values wherever free text copied them
(notes, comments, event notes and details, ledger notes), the emails sent to them (words, attachment
and address; one still pending is not sent), the admin's log lines about them, the import jobs'
problems quoting them and the API's stored answers to retries (idempotency keys) showing them; the export
files already written hold them until they expire (settings.EXPORT_FILES_KEPT_DAYS). What stays: every
amount, refund, ledger entry, grade and disposition, and the audit trail, which gains an event per
return saying who erased what and why, without the erased values.
"""

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass

from django.conf import settings
from django.contrib.admin.models import LogEntry
from django.contrib.contenttypes.models import ContentType
from django.db import transaction
from django.db.models import Exists, OuterRef, Q
from django.utils import timezone

from core.actors import Actor, SystemActor, require
from core.errors import DomainError, InvalidInput
from idempotency.services import redact_responses
from importjobs.services import delete_jobs_finished_before, redact_jobs
from outbox.models import Message
from outbox.services import redact_messages
from rma.customer_emails import return_owner
from rma.models import Customer, Order, ReturnEventType, ReturnRequest, ReturnState
from rma.redaction import Scrubber, rows_hanging_on, scrub_rows
from rma.trail import record_event

LONGEST_REASON = 500
ADDRESS_FIELDS = ("address_line1", "address_line2", "city", "region", "postal_code")
# A return in one of these states changes no more: its personal data is purged once it has been so long enough.
CLOSED_STATES = (ReturnState.REFUNDED, ReturnState.REJECTED, ReturnState.CANCELLED, ReturnState.EXPIRED,
                 ReturnState.CLOSED)
PURGE = SystemActor(job="purge_personal_data")

Clock = Callable[[], dt.datetime]


def placeholder_email(customer: Customer) -> str:
    """Unique per customer as the email must be, and undeliverable: .invalid is reserved (RFC 2606)."""
    return f"erased-{customer.pk}@erased.invalid"


def scrubber_for(customer: Customer) -> Scrubber:
    values = [customer.email, customer.name, customer.phone, customer.address_line1, customer.address_line2,
              customer.postal_code]
    for order in customer.orders.all():
        values += [order.address_line1, order.address_line2, order.postal_code]
    return Scrubber.of(values)


@transaction.atomic
def erase_customer_personal_data(*, customer: Customer, actor: Actor, reason: str) -> Customer:
    """Erase the customer's personal data everywhere, as they asked; the financial records stay, anonymized."""
    actor = require(actor, "rma.erase_customer", action="erase customers' personal data", on=customer)
    return _erase_customer(customer=customer, actor=actor, reason=reason, why="on request", now=timezone.now())


def _erase_customer(*, customer: Customer, actor: Actor, reason: str, why: str, now: dt.datetime) -> Customer:
    customer = Customer.objects.select_for_update().get(pk=customer.pk)
    if customer.erased_at is not None:
        raise DomainError(f"The personal data of customer #{customer.pk} is erased already.",
                          code="customer_already_erased")
    scrubber = scrubber_for(customer)
    reason = _clean_reason(reason, scrubber)
    returns = list(ReturnRequest.objects.select_for_update().filter(customer=customer).order_by("pk"))
    rows = rows_hanging_on({Customer: {customer.pk}})
    # The customer's own row gets its placeholders below: "[erased]" is no unique email.
    files = scrub_rows({model: pks for model, pks in rows.items() if model is not Customer}, scrubber)
    _scrub_admin_log(rows, scrubber)
    redact_messages(
        messages=Message.objects.filter(Q(destination__iexact=customer.email)
                                        | Q(owner__in=[return_owner(rma) for rma in returns])),
        addressed_to=customer.email, placeholder_address=placeholder_email(customer), scrub=scrubber.json,
    )
    redact_jobs(containing=scrubber.values, scrub=scrubber.json)
    redact_responses(containing=scrubber.values, scrub=scrubber.text)
    Order.objects.filter(customer=customer).update(**dict.fromkeys(ADDRESS_FIELDS, ""), updated_at=now)
    Customer.objects.filter(pk=customer.pk).update(
        name=f"erased-{customer.pk}", email=placeholder_email(customer), phone="", **dict.fromkeys(ADDRESS_FIELDS, ""),
        erased_at=now, erased_by=str(actor), erasure_reason=reason, updated_at=now,
    )
    _scrub_admin_log({Customer: {customer.pk}}, Scrubber.of([]), repr_of=f"erased-{customer.pk}")
    for rma in returns:
        _mark_purged(rma, now)
        record_event(rma=rma, action=ReturnEventType.PERSONAL_DATA_ERASED, actor=actor, at=now,
                     note=f"Personal data erased {why}: {reason}",
                     details={"customer": customer.pk, "files_deleted": files})
    return Customer.objects.get(pk=customer.pk)


@transaction.atomic
def purge_return_personal_data(*, rma: ReturnRequest, actor: Actor, now: dt.datetime) -> ReturnRequest:
    """Erase what the return holds of its customer (its files, their values in its text, the emails about
    it); the customer's own record stays while they have newer business."""
    actor = require(actor, "rma.erase_customer", action="purge personal data", on=rma)
    rma = ReturnRequest.objects.select_for_update().select_related("customer").get(pk=rma.pk)
    if rma.personal_data_purged_at is not None:
        return rma
    scrubber = scrubber_for(rma.customer)
    rows = rows_hanging_on({ReturnRequest: {rma.pk}})
    scrub_rows(rows, scrubber)
    _scrub_admin_log(rows, scrubber)
    cutoff = retention_cutoff(now)
    redact_messages(
        messages=Message.objects.filter(Q(owner=return_owner(rma))
                                        | Q(destination__iexact=rma.customer.email, created_at__lt=cutoff)),
        addressed_to=rma.customer.email, placeholder_address=placeholder_email(rma.customer), scrub=scrubber.json,
    )
    _mark_purged(rma, now)
    record_event(rma=rma, action=ReturnEventType.PERSONAL_DATA_PURGED, actor=actor, at=now,
                 note=f"Photos and personal data purged: closed more than {settings.PERSONAL_DATA_RETENTION_DAYS} "
                      "days ago.")
    return rma


@dataclass(frozen=True)
class PurgeOutcome:
    returns: int
    customers: int


def retention_cutoff(now: dt.datetime) -> dt.datetime:
    return now - dt.timedelta(days=settings.PERSONAL_DATA_RETENTION_DAYS)


def purge_personal_data(*, clock: Clock = timezone.now, batch_size: int = 100) -> PurgeOutcome:
    """The scheduled purge: every return closed before the retention period, batch by batch, each in its
    own transaction; then every customer left with nothing newer is erased whole, and the import jobs
    older than the period are forgotten. Running it again erases nothing twice."""
    now = clock()
    cutoff = retention_cutoff(now)
    delete_jobs_finished_before(cutoff)
    due = ReturnRequest.objects.filter(state__in=CLOSED_STATES, state_entered_at__lt=cutoff,
                                       personal_data_purged_at__isnull=True).order_by("pk")
    returns = 0
    while batch := list(due[:batch_size]):
        for rma in batch:
            purge_return_personal_data(rma=rma, actor=PURGE, now=now)
        returns += len(batch)
    actor = require(PURGE, "rma.erase_customer", action="purge personal data")
    customers = 0
    for customer in _customers_past_retention(cutoff):
        with transaction.atomic():
            _erase_customer(customer=customer, actor=actor, reason="all their returns closed long ago.",
                            why="after the retention period", now=now)
        customers += 1
    return PurgeOutcome(returns=returns, customers=customers)


def _customers_past_retention(cutoff: dt.datetime):
    """Customers with returns, all of them purged, and no order or return since the cutoff."""
    unpurged = ReturnRequest.objects.filter(customer=OuterRef("pk"), personal_data_purged_at__isnull=True)
    recent = Order.objects.filter(customer=OuterRef("pk"), ordered_at__gte=cutoff)
    return (Customer.objects.filter(erased_at__isnull=True, returns__isnull=False).distinct()
            .exclude(Exists(unpurged)).exclude(Exists(recent)).order_by("pk"))


def _mark_purged(rma: ReturnRequest, now: dt.datetime) -> None:
    ReturnRequest.objects.filter(pk=rma.pk, personal_data_purged_at__isnull=True).update(
        personal_data_purged_at=now, updated_at=now,
    )
    rma.refresh_from_db()


def _clean_reason(reason: str, scrubber: Scrubber) -> str:
    """The reason, required, without the values it is about to erase (a note like "asked by jo@example.com")."""
    reason = (reason or "").strip()
    if not reason:
        raise InvalidInput("Give the reason: the customer's request, e.g. its date and channel.")
    if len(reason) > LONGEST_REASON:
        raise InvalidInput(f"The reason is at most {LONGEST_REASON} characters; this one has {len(reason)}.")
    return scrubber.text(reason)


def _scrub_admin_log(rows: dict, scrubber: Scrubber, *, repr_of: str | None = None) -> None:
    """The admin's history names objects as they were shown (a customer by name or email) and what changed."""
    for model, pks in rows.items():
        entries = LogEntry.objects.filter(content_type=ContentType.objects.get_for_model(model),
                                          object_id__in=[str(pk) for pk in pks])
        for entry in entries:
            entry.object_repr = repr_of or scrubber.text(entry.object_repr)
            entry.change_message = scrubber.text(entry.change_message)
            entry.save(update_fields=["object_repr", "change_message"])
