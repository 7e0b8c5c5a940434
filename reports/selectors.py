"""Reads of the reports app that its screens share."""

from django.contrib.auth.models import AbstractBaseUser
from django.db.models import QuerySet

from reports.models import ExportJob


def may_see_export(*, user: AbstractBaseUser, job: ExportJob) -> bool:
    """An export holds the rows its requester could see: it is theirs, and managers' (download_any_export)."""
    return job.requested_by_id == user.pk or user.has_perm("reports.download_any_export")


def export_jobs_visible_to(*, user: AbstractBaseUser) -> QuerySet[ExportJob]:
    jobs = ExportJob.objects.select_related("requested_by")
    return jobs if user.has_perm("reports.download_any_export") else jobs.filter(requested_by=user)
