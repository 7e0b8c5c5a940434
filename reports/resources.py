"""What each admin list exports: its columns, with readable names, and the rows they read.

One resource per export. A column reads a value straight from the row or along its foreign keys;
the export fetches exactly those fields, joined in one query (so the number of queries never
grows with the rows), and money is quantized to its currency. Values stay native here (Decimal,
int, bool, datetime, str): core.spreadsheet turns them into cells and neutralises formulas.
"""

from collections.abc import Iterator
from decimal import Decimal

from django.db.models import QuerySet
from django.utils import timezone
from django.utils.text import slugify
from import_export import resources, widgets
from import_export.fields import Field

from core import keyset
from core.money import quantize
from core.spreadsheet import Value
from disposition.models import Disposition, StockMovement
from inspection.models import Inspection
from refunds.models import Refund
from rma.models import ReceivingScan, ReturnItem, ReturnRequest

# Rows fetched from the database at a time, each batch one short query after the last row of the one
# before (core.keyset): memory stays flat, and no cursor or transaction stays open for the whole export.
CHUNK_SIZE = 2000


class Native(widgets.Widget):
    """Hands the value on untouched, so numbers stay numbers and times stay times."""

    def render(self, value, obj=None, **kwargs):
        return value


def column(name: str, attribute: str) -> Field:
    return Field(attribute=attribute, column_name=name, widget=Native(), readonly=True)


class Money(Field):
    """An amount quantized to its currency's minor unit: 12.5 EUR is 12.50, 1200 JPY is 1200."""

    def __init__(self, name: str, attribute: str, *, currency: str) -> None:
        super().__init__(attribute=attribute, column_name=name, readonly=True)
        self.currency = Field(attribute=currency)

    def export(self, instance, **kwargs) -> Decimal | None:
        amount = self.get_value(instance)
        return None if amount is None else quantize(amount, self.currency.get_value(instance) or "")


class ExportResource(resources.ModelResource):
    """An export of one admin list: each column a Field whose attribute names what it reads."""

    def filename(self, file_format: str, *, token: str = "") -> str:
        """e.g. return-requests-2026-11-26.xlsx, with the token before the extension when given."""
        parts = [str(slugify(self._meta.model._meta.verbose_name_plural)), f"{timezone.localdate():%Y-%m-%d}", token]
        return "-".join(part for part in parts if part) + f".{file_format}"

    def sheet_title(self) -> str:
        return str(self._meta.model._meta.verbose_name_plural).capitalize()

    def rows(self, queryset: QuerySet) -> Iterator[list[Value]]:
        """One list of values per row, in the queryset's order, read from the database in keyset batches."""
        readers = [self._reader(field) for field in self.get_export_fields()]
        paths = self._fetched_paths(annotations=queryset.query.annotations)
        relations = {path.rsplit("__", 1)[0] for path in paths if "__" in path}
        # The admin may join and prefetch for its own columns; an export fetches what its columns read, no more.
        fetched = queryset.prefetch_related(None).select_related(None).only(*paths)
        if relations:  # select_related() with no names would follow every foreign key
            fetched = fetched.select_related(*relations)
        for instance in keyset.in_batches(fetched, size=CHUNK_SIZE):
            yield [read(instance) for read in readers]

    def _fetched_paths(self, *, annotations) -> list[str]:
        """The model fields the columns read, e.g. order__currency; values annotated on the list are there already."""
        fields = self.get_export_fields()
        attributes = [field.attribute for field in fields]
        attributes += [field.currency.attribute for field in fields if isinstance(field, Money)]
        return [path for path in attributes if path and path.split("__")[0] not in annotations]

    def _reader(self, field: Field):
        # export_field() looks the field's name up among all fields for every cell; once per export will do.
        return getattr(self, field.get_dehydrate_method(self.get_field_name(field)), None) or field.export


class ReturnResource(ExportResource):
    """Returns, as the returns list shows them (it annotates `units` and `refund_amount`)."""

    ran = column("RAN", "ran")
    client = column("Client", "client__name")
    order_number = column("Order number", "order__number")
    customer_email = column("Customer email", "customer__email")
    customer_name = column("Customer name", "customer__name")
    channel = column("Channel", "channel")
    state = column("State", "state")
    requested_at = column("Requested at", "requested_at")
    state_entered_at = column("In state since", "state_entered_at")
    units = column("Units", "units")
    refund_amount = Money("Refund amount", "refund_amount", currency="order__currency")
    currency = column("Currency", "order__currency")
    refund_method = column("Refund method", "refund_method")
    carrier = column("Carrier", "carrier")
    tracking_number = column("Tracking number", "tracking_number")
    notes = column("Notes", "notes")
    decision_reason = column("Decision reason", "decision_reason")


    class Meta:
        model = ReturnRequest
        fields = (
            "ran", "client", "order_number", "customer_email", "customer_name", "channel", "state",
            "requested_at", "state_entered_at", "units", "refund_amount", "currency", "refund_method",
            "carrier", "tracking_number", "notes", "decision_reason",
        )


class UnitResource(ExportResource):
    """Returned units, one row per physical unit."""

    ran = column("RAN", "return_request__ran")
    unit_number = column("Unit", "unit_number")
    client = column("Client", "return_request__client__name")
    order_number = column("Order number", "order_line__order__number")
    sku = column("SKU", "order_line__sku")
    description = column("Description", "order_line__description")
    category = column("Category", "order_line__category")
    serial_number = column("Serial number", "serial_number")
    reason = column("Reason", "reason")
    comment = column("Comment", "comment")
    unit_price = Money("Unit price", "order_line__unit_price", currency="order_line__order__currency")
    currency = column("Currency", "order_line__order__currency")
    state = column("State", "return_request__state")
    requested_at = column("Requested at", "return_request__requested_at")


    class Meta:
        model = ReturnItem
        fields = (
            "ran", "unit_number", "client", "order_number", "sku", "description", "category", "serial_number",
            "reason", "comment", "unit_price", "currency", "state", "requested_at",
        )


class InspectionResource(ExportResource):
    ran = column("RAN", "item__return_request__ran")
    unit_number = column("Unit", "item__unit_number")
    client = column("Client", "item__return_request__client__name")
    sku = column("SKU", "item__order_line__sku")
    grade = column("Grade", "grade")
    missing = column("Missing", "missing")
    matches_request = column("Matches request", "matches_request")
    accessories_complete = column("Accessories complete", "accessories_complete")
    original_packaging = column("Original packaging", "original_packaging")
    serial_number_found = column("Serial number found", "serial_number_found")
    defect_category = column("Defect category", "defect_category")
    notes = column("Notes", "notes")
    inspector = column("Inspector", "inspector__username")
    inspected_at = column("Inspected at", "inspected_at")
    seconds_taken = column("Seconds taken", "seconds_taken")


    class Meta:
        model = Inspection
        fields = (
            "ran", "unit_number", "client", "sku", "grade", "missing", "matches_request", "accessories_complete",
            "original_packaging", "serial_number_found", "defect_category", "notes", "inspector", "inspected_at",
            "seconds_taken",
        )


class DispositionResource(ExportResource):
    ran = column("RAN", "item__return_request__ran")
    unit_number = column("Unit", "item__unit_number")
    client = column("Client", "item__return_request__client__name")
    sku = column("SKU", "item__order_line__sku")
    recommended_action = column("Recommended action", "recommended_action")
    action = column("Action", "action")
    rule = column("Rule", "rule__name")
    override_reason = column("Override reason", "override_reason")
    expected_recovery_value = Money(
        "Expected recovery value", "expected_recovery_value", currency="item__order_line__order__currency"
    )
    repair_cost_estimate = Money(
        "Repair cost estimate", "repair_cost_estimate", currency="item__order_line__order__currency"
    )
    currency = column("Currency", "item__order_line__order__currency")
    destination = column("Destination", "destination")
    decided_by = column("Decided by", "decided_by__username")
    decided_at = column("Decided at", "decided_at")


    class Meta:
        model = Disposition
        fields = (
            "ran", "unit_number", "client", "sku", "recommended_action", "action", "rule", "override_reason",
            "expected_recovery_value", "repair_cost_estimate", "currency", "destination", "decided_by",
            "decided_at",
        )


class RefundResource(ExportResource):
    ran = column("RAN", "return_request__ran")
    client = column("Client", "return_request__client__name")
    order_number = column("Order number", "return_request__order__number")
    customer_email = column("Customer email", "return_request__customer__email")
    amount = Money("Refund amount", "amount", currency="currency")
    bonus_amount = Money("Store-credit bonus", "bonus_amount", currency="currency")
    currency = column("Currency", "currency")
    method = column("Method", "method")
    status = column("Status", "status")
    proposed_at = column("Proposed at", "proposed_at")
    approved_at = column("Approved at", "approved_at")
    issued_at = column("Issued at", "issued_at")
    denied_at = column("Denied at", "denied_at")
    external_reference = column("External reference", "external_reference")
    denial_reason = column("Denial reason", "denial_reason")


    class Meta:
        model = Refund
        fields = (
            "ran", "client", "order_number", "customer_email", "amount", "bonus_amount", "currency", "method",
            "status", "proposed_at", "approved_at", "issued_at", "denied_at", "external_reference",
            "denial_reason",
        )


class StockMovementResource(ExportResource):
    at = column("Moved at", "at")
    client = column("Client", "client__name")
    warehouse = column("Warehouse", "warehouse__code")
    sku = column("SKU", "sku")
    quantity = column("Quantity", "quantity")
    ran = column("RAN", "disposition__item__return_request__ran")
    actor = column("Recorded by", "actor__username")


    class Meta:
        model = StockMovement
        fields = ("at", "client", "warehouse", "sku", "quantity", "ran", "actor")


class DockScanResource(ExportResource):
    scanned_at = column("Scanned at", "scanned_at")
    code = column("Code", "code")
    normalized_code = column("Normalized code", "normalized_code")
    result = column("Result", "result")
    ran = column("RAN", "return_request__ran")
    actor = column("Scanned by", "actor__username")
    note = column("Note", "note")


    class Meta:
        model = ReceivingScan
        fields = ("scanned_at", "code", "normalized_code", "result", "ran", "actor", "note")
