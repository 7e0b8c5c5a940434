"""Work for Celery, found here by its autodiscovery: each task lives beside the work it does, so the
modules that queue work and the worker's entry point never import each other.

Run by the worker, or in-process when REDIS_URL is unset.
"""

from reports.exports import write_export

__all__ = ["write_export"]
