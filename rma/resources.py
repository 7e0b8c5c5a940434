"""The admin's order import: django-import-export reads the file, rma.services.import_orders decides."""

from io import BytesIO

import openpyxl
import tablib
from django.core.exceptions import ValidationError
from import_export import fields, resources
from import_export.formats import base_formats
from import_export.results import Result, RowResult

from rma import order_import, services

ROW_RESULT_TYPES = {
    order_import.NEW: RowResult.IMPORT_TYPE_NEW,
    order_import.UPDATE: RowResult.IMPORT_TYPE_UPDATE,
    order_import.UNCHANGED: RowResult.IMPORT_TYPE_SKIP,
}


class XLSXFormulasAsText(base_formats.XLSX):
    """XLSX whose formula cells read as the formula's text: stored as written, never evaluated."""

    def create_dataset(self, in_stream: bytes) -> tablib.Dataset:
        workbook = openpyxl.load_workbook(BytesIO(in_stream), read_only=True, data_only=False)
        rows = workbook.active.iter_rows(values_only=True)
        dataset = tablib.Dataset(headers=list(next(rows, ())))
        for row in rows:
            dataset.append(row)
        return dataset


class OrderImportResult(Result):
    """import_export's result of an order import, one row result per order, carrying the service's report."""

    def __init__(self, report: order_import.OrderImportReport) -> None:
        super().__init__()
        self.report = report
        for row, errors in report.problems_by_row().items():
            self.append_invalid_row(row, {}, ValidationError(errors))
            self.totals[RowResult.IMPORT_TYPE_INVALID] += 1
        if report.problems:
            return
        for order in report.orders:
            row_result = RowResult()
            row_result.import_type = ROW_RESULT_TYPES[order.action]
            row_result.instance = order.record
            row_result.add_instance_info(order.record)
            self.append_row_result(row_result)
            self.increment_row_result_total(row_result)


class OrderImportResource(resources.Resource):
    """Client orders, one file row per order line; every rule is in rma.services.import_orders."""

    @classmethod
    def get_display_name(cls) -> str:
        return "Client orders"

    def get_user_visible_fields(self) -> list[fields.Field]:
        return [fields.Field(column_name=column) for column in order_import.COLUMNS]

    def import_data(self, dataset: tablib.Dataset, dry_run: bool = False, **kwargs) -> OrderImportResult:
        columns = dataset.headers or []
        rows = [dict(zip(columns, values, strict=False)) for values in dataset]
        report = services.import_orders(columns=columns, rows=rows, actor=kwargs["user"], dry_run=dry_run)
        return OrderImportResult(report)
