"""Import resources of the rma stage: django-import-export reads the files, rma.services decides.

Client orders: rma.services.import_orders applies the whole file or nothing.
A carrier's tracking file: rma.services.import_carrier_events records the whole file or nothing
(its columns are in rma.tracking_import).
"""

import tablib
from import_export import fields, resources
from import_export.results import RowResult

from core.import_results import ServiceImportResult
from rma import order_import, services, tracking_import

ROW_RESULT_TYPES = {
    order_import.NEW: RowResult.IMPORT_TYPE_NEW,
    order_import.UPDATE: RowResult.IMPORT_TYPE_UPDATE,
    order_import.UNCHANGED: RowResult.IMPORT_TYPE_SKIP,
}
SCAN_RESULT_TYPES = {
    tracking_import.NEW: RowResult.IMPORT_TYPE_NEW,
    tracking_import.LOOKED_UP_AGAIN: RowResult.IMPORT_TYPE_UPDATE,
    tracking_import.ALREADY_IMPORTED: RowResult.IMPORT_TYPE_SKIP,
}


def _rows_of(dataset: tablib.Dataset) -> tuple[list, list[dict]]:
    columns = dataset.headers or []
    return columns, [dict(zip(columns, values, strict=False)) for values in dataset]


class OrderImportResource(resources.Resource):
    """Client orders, one file row per order line; every rule is in rma.services.import_orders."""

    @classmethod
    def get_display_name(cls) -> str:
        return "Client orders"

    def get_user_visible_fields(self) -> list[fields.Field]:
        return [fields.Field(column_name=column) for column in order_import.COLUMNS]

    def import_data(self, dataset: tablib.Dataset, dry_run: bool = False, **kwargs) -> ServiceImportResult:
        columns, rows = _rows_of(dataset)
        report = services.import_orders(columns=columns, rows=rows, actor=kwargs["user"], dry_run=dry_run)
        return ServiceImportResult(
            report, records=[(order.action, order.record) for order in report.orders], row_types=ROW_RESULT_TYPES
        )


class CarrierEventResource(resources.Resource):
    """A carrier's tracking file, one scan per row; every rule is in rma.services.import_carrier_events.

    Each row's result holds the CarrierEvent it records (foreseen, unsaved, in the preview).
    """

    @classmethod
    def get_display_name(cls) -> str:
        return "Carrier tracking events"

    def get_user_visible_fields(self) -> list[fields.Field]:
        return [fields.Field(column_name=column) for column in tracking_import.COLUMNS]

    def import_data(self, dataset: tablib.Dataset, dry_run: bool = False, **kwargs) -> ServiceImportResult:
        columns, rows = _rows_of(dataset)
        report = services.import_carrier_events(columns=columns, rows=rows, actor=kwargs["user"], dry_run=dry_run)
        return ServiceImportResult(
            report, records=[(scan.action, scan.record) for scan in report.scans], row_types=SCAN_RESULT_TYPES
        )
