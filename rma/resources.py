"""Import resources of the rma stage: django-import-export reads the files, rma.services decides.

Client orders: rma.services.import_orders applies the whole file or nothing.

A carrier's tracking file: every row goes through record_carrier_event. Columns: `tracking_number`,
`event` and `time`, and optionally `carrier` and `description`; any other column is ignored. A time is
ISO 8601 with its offset ("2026-11-20T10:15:00+01:00", or "Z" for UTC); a time without an offset, and
a spreadsheet's date-time cell, is read as UTC. Cells are plain text: a formula-looking cell of a CSV
file is kept as written, and an XLSX file gives its cells' values.
"""

import datetime as dt

import tablib
from django.core.exceptions import ValidationError
from django.utils import timezone
from import_export import fields, resources, widgets
from import_export.results import RowResult

from core.errors import DomainError
from core.import_results import ServiceImportResult
from rma import order_import, selectors, services
from rma import tracking as carrier_tracking
from rma.models import CarrierEvent

ROW_RESULT_TYPES = {
    order_import.NEW: RowResult.IMPORT_TYPE_NEW,
    order_import.UPDATE: RowResult.IMPORT_TYPE_UPDATE,
    order_import.UNCHANGED: RowResult.IMPORT_TYPE_SKIP,
}


class OrderImportResource(resources.Resource):
    """Client orders, one file row per order line; every rule is in rma.services.import_orders."""

    @classmethod
    def get_display_name(cls) -> str:
        return "Client orders"

    def get_user_visible_fields(self) -> list[fields.Field]:
        return [fields.Field(column_name=column) for column in order_import.COLUMNS]

    def import_data(self, dataset: tablib.Dataset, dry_run: bool = False, **kwargs) -> ServiceImportResult:
        columns = dataset.headers or []
        rows = [dict(zip(columns, values, strict=False)) for values in dataset]
        report = services.import_orders(columns=columns, rows=rows, actor=kwargs["user"], dry_run=dry_run)
        return ServiceImportResult(
            report, records=[(order.action, order.record) for order in report.orders], row_types=ROW_RESULT_TYPES
        )


TRACKING_COLUMNS = ["tracking_number", "event", "time", "carrier", "description"]
REQUIRED_TRACKING_COLUMNS = {"tracking_number", "event", "time"}


class TextWidget(widgets.CharWidget):
    """A trimmed cell, refused when it is empty but required, or longer than its column."""

    def __init__(self, *, field: str, required: bool = False) -> None:
        super().__init__()
        self.max_length = CarrierEvent._meta.get_field(field).max_length
        self.required = required

    def clean(self, value, row=None, **kwargs) -> str:
        text = super().clean(value, row, **kwargs).strip()
        if self.required and not text:
            raise ValueError("This cell is empty.")
        if len(text) > self.max_length:
            raise ValueError(f"Longer than {self.max_length} characters.")
        return text


class CarrierTimeWidget(widgets.Widget):
    """ISO 8601 with an offset; without one (or a spreadsheet's date-time cell), UTC."""

    def clean(self, value, row=None, **kwargs) -> dt.datetime:
        if value is None or str(value).strip() == "":
            raise ValueError("This cell is empty.")
        if isinstance(value, dt.datetime):
            moment = value
        else:
            try:
                moment = dt.datetime.fromisoformat(str(value).strip())
            except ValueError:
                raise ValueError(
                    f"'{value}' is not a time: write it as ISO 8601, e.g. 2026-11-20T10:15:00+01:00."
                ) from None
        return moment if timezone.is_aware(moment) else moment.replace(tzinfo=dt.UTC)


class CarrierEventResource(resources.ModelResource):
    """One row, one carrier event, recorded by services.record_carrier_event and never saved here."""

    tracking_number = fields.Field(
        attribute="tracking_number", column_name="tracking_number",
        widget=TextWidget(field="tracking_number", required=True),
    )
    event = fields.Field(attribute="event", column_name="event", widget=TextWidget(field="event", required=True))
    time = fields.Field(attribute="occurred_at", column_name="time", widget=CarrierTimeWidget())
    carrier = fields.Field(attribute="carrier", column_name="carrier", widget=TextWidget(field="carrier"))
    description = fields.Field(
        attribute="description", column_name="description", widget=TextWidget(field="description")
    )

    class Meta:
        model = CarrierEvent
        name = "Carrier tracking events"
        fields = TRACKING_COLUMNS
        import_order = TRACKING_COLUMNS
        # The preview runs every row through the service inside a transaction that is rolled back: it
        # shows exactly what confirming will do, and changes nothing.
        use_transactions = True
        # The preview and the result list each row's CarrierEvent rather than a field-by-field diff.
        skip_diff = True
        store_instance = True

    def before_import(self, dataset, **kwargs) -> None:
        # Header cells as a person types them: " Tracking_Number" is the tracking_number column.
        dataset.headers = [str(header or "").strip().lower() for header in dataset.headers]

    def get_instance(self, instance_loader, row) -> CarrierEvent | None:
        """The earlier record of this row's event, if it was imported before."""
        try:
            cells = {name: self.fields[name].clean(row) for name in REQUIRED_TRACKING_COLUMNS}
        except (KeyError, ValueError):
            return None  # import_instance reports the row
        return selectors.recorded_carrier_event(
            tracking_number=cells["tracking_number"], event=carrier_tracking.normalize_event(cells["event"]),
            occurred_at=cells["time"],
        )

    def import_instance(self, instance: CarrierEvent, row, **kwargs) -> None:
        """Read every cell into `instance`, or raise one ValidationError naming each bad cell by its column."""
        errors = {}
        for field in self.get_import_fields():
            if field.column_name not in row:
                if field.column_name in REQUIRED_TRACKING_COLUMNS:
                    errors[field.column_name] = "The file has no such column."
                continue
            try:
                field.save(instance, row, **kwargs)
            except ValueError as error:
                errors[field.column_name] = str(error)
        if errors:
            raise ValidationError(errors)

    def skip_row(self, instance: CarrierEvent, original, row, import_validation_errors=None) -> bool:
        return not import_validation_errors and instance.is_settled

    def after_import_row(self, row, row_result, **kwargs) -> None:
        if row_result.is_skip():
            row_result.instance.refresh_from_db()  # shown as it was recorded, not as this row spells it

    def save_instance(self, instance: CarrierEvent, is_create: bool, row, **kwargs) -> None:
        """Record the row's event through the service; `instance` then shows what it did."""
        try:
            recorded = services.record_carrier_event(
                tracking_number=instance.tracking_number, event=instance.event, occurred_at=instance.occurred_at,
                carrier=instance.carrier, description=instance.description, actor=kwargs["user"],
            )
        except DomainError as error:
            raise ValidationError(error.message) from None
        instance.pk = recorded.pk
        instance.refresh_from_db()
