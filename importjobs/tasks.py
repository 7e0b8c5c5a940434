"""Work for Celery, found here by its autodiscovery (see reports.tasks)."""

from importjobs.services import run_import_job

__all__ = ["run_import_job"]
