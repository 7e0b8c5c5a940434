"""An import our own service checks and writes, shown by django-import-export's Import page: the
service's report becomes import-export's result, its problems by row or else what each row did.
"""

from collections.abc import Iterable, Mapping
from typing import Any

from django.core.exceptions import ValidationError
from django.db.models import Model
from import_export.results import Result, RowResult

from core.imports import ImportReport


class ServiceImportResult(Result):
    """One invalid row per row with problems; with none, one row result per record, typed by its action."""

    def __init__(
        self, report: ImportReport, *, records: Iterable[tuple[Any, Model]], row_types: Mapping[Any, str]
    ) -> None:
        super().__init__()
        self.report = report
        for row, errors in report.problems_by_row().items():
            self.append_invalid_row(row or 0, {}, ValidationError(errors))
            self.totals[RowResult.IMPORT_TYPE_INVALID] += 1
        if report.problems:
            return
        for action, record in records:
            row_result = RowResult()
            row_result.import_type = row_types[action]
            row_result.instance = record
            row_result.add_instance_info(record)
            self.append_row_result(row_result)
            self.increment_row_result_total(row_result)
