"""Log records as operators read them: each with the id of the request (core.request_ids) or of the
Celery task that wrote it, one JSON object per line with LOG_FORMAT=json (settings.LOGGING)."""

import datetime as dt
import json
import logging

from celery import current_task

from core.request_ids import current_request_id

# Fields that callers pass through `extra=` and that belong in the JSON line (the request log's).
EXTRA_FIELDS = ("method", "path", "status", "duration_ms")


def current_task_id() -> str | None:
    return current_task.request.id if current_task else None


class LogContextFilter(logging.Filter):
    """Puts request_id and task_id (None outside a request or task) and `ids`, both as text, on every record."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = current_request_id.get()
        record.task_id = current_task_id()
        ids = [f"request_id={record.request_id}"] if record.request_id else []
        ids += [f"task_id={record.task_id}"] if record.task_id else []
        record.ids = " ".join(ids) + " " if ids else ""
        return True


class JsonFormatter(logging.Formatter):
    """One JSON object per line: time (UTC, ISO 8601), level, logger, message, the ids, and the traceback."""

    def format(self, record: logging.LogRecord) -> str:
        entry = {
            "time": dt.datetime.fromtimestamp(record.created, dt.UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        for field in ("request_id", "task_id", *EXTRA_FIELDS):
            if getattr(record, field, None) is not None:
                entry[field] = getattr(record, field)
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return json.dumps(entry, default=str)
