"""The returns list exported to CSV and XLSX as a large export runs (reports.exports.run_export_job: the list
read through its selector as the requesting manager, the rows streamed into the file), beside
django-import-export's own Resource.export() of the same rows and columns (a tablib Dataset built whole,
then rendered).

Memory is the process's resident set, from Linux's /proc: its peak during the export (VmHWM, reset first)
above what it held before.
"""

import time
from collections.abc import Callable
from pathlib import Path

FORMATS = ("csv", "xlsx")


def _resident(field: str) -> int:
    """VmRSS (now) or VmHWM (peak since the last reset) of this process, in bytes."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(f"{field}:"):
            return int(line.split()[1]) * 1024
    raise LookupError(field)


def _measured(run: Callable[[], int]) -> dict:
    """Rows per second of `run` (which returns its row count) and the resident memory it added at its peak."""
    # ru_maxrss would not do: it never goes down, so a second export could not be told from the first.
    Path("/proc/self/clear_refs").write_text("5")
    before = _resident("VmRSS")
    started = time.perf_counter()
    rows = run()
    seconds = time.perf_counter() - started
    return {"rows": rows, "seconds": seconds, "rows_per_second": rows / seconds,
            # Never below zero: the resident set may shrink during the run, below where it started.
            "peak_mb": max(0, _resident("VmHWM") - before) / 2**20}


def _export_job(manager, file_format: str) -> int:
    from reports import exports
    from reports.models import ExportJob, ExportStatus

    job = ExportJob.objects.create(requested_by=manager, model_label="rma.returnrequest", query_string="",
                                   file_format=file_format)
    job = exports.run_export_job(job_id=job.pk)
    if job is None or job.status != ExportStatus.DONE:
        raise SystemExit(f"the {file_format} export failed: {job and job.error}")
    job.file.delete(save=False)
    return job.rows_done


def _library_resource():
    """The export's columns as django-import-export exports them by default: each value rendered as text
    by the library's own widget (openpyxl refuses the native aware datetimes ours hands on)."""
    from import_export import resources
    from import_export.fields import Field

    from reports.resources import ReturnResource

    columns = {name: Field(attribute=field.attribute, column_name=field.column_name)
               for name, field in ReturnResource.fields.items()}
    meta = type("Meta", (), {"model": ReturnResource._meta.model, "fields": tuple(columns)})
    return type("LibraryReturnResource", (resources.ModelResource,), {**columns, "Meta": meta})()


def _import_export(manager, file_format: str) -> int:
    from backoffice.selectors import returns_list

    dataset = _library_resource().export(queryset=returns_list(viewer=manager))
    dataset.export(file_format)
    return dataset.height


def measure_exports(*, manager) -> dict:
    return {file_format: {
        "ours": _measured(lambda file_format=file_format: _export_job(manager, file_format)),
        "import_export": _measured(lambda file_format=file_format: _import_export(manager, file_format)),
    } for file_format in FORMATS}
