"""A request id for every request: the one the proxy in front sent (X-Request-ID) when it is well formed,
else a new one. It is echoed in the response's X-Request-ID header and put on every log record written
while the request runs (core.logs), so one line in a proxy's log leads to every line the request wrote.
"""

import logging
import re
import time
import uuid
from collections.abc import Callable
from contextvars import ContextVar

from django.http import HttpRequest, HttpResponse

HEADER = "X-Request-ID"
# What a proxy may send (nginx's $request_id, a UUID, a trace id): anything else could forge log lines.
WELL_FORMED = re.compile(r"[A-Za-z0-9._:-]{8,128}")

current_request_id: ContextVar[str | None] = ContextVar("current_request_id", default=None)
log = logging.getLogger("returns_site.requests")


def request_id_for(request: HttpRequest) -> str:
    sent = request.headers.get(HEADER, "")
    return sent if WELL_FORMED.fullmatch(sent) else uuid.uuid4().hex


class RequestIdMiddleware:
    """First in MIDDLEWARE: every later step and every response, a redirect or an error page too, has the id."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        request.request_id = request_id_for(request)
        token = current_request_id.set(request.request_id)
        started = time.monotonic()
        try:
            response = self.get_response(request)
            response[HEADER] = request.request_id
            # The access log line, with the id: the path only, since query strings may carry what people typed.
            log.info("%s %s %s", request.method, request.path, response.status_code, extra={
                "method": request.method, "path": request.path, "status": response.status_code,
                "duration_ms": round((time.monotonic() - started) * 1000, 1),
            })
            return response
        finally:
            current_request_id.reset(token)
