"""Requests too large to take: a 413 that says so, never Django's bare 400 or a 500.

Two limits, checked on the declared length before anything reads the body (RequestSizeLimitMiddleware):
MAX_REQUEST_BYTES for a multipart form, files included, and Django's DATA_UPLOAD_MAX_MEMORY_SIZE for any
other body. Django also raises RequestDataTooBig while it parses a form whose fields alone pass the latter:
`bad_request` (the site's handler400) and the API's exception handler answer it with a 413 as well.
Each file's own limit is checked by core/uploads.py.
"""

from django.conf import settings
from django.core.exceptions import RequestDataTooBig
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.utils.html import escape
from django.views import defaults

from api.errors import body
from core.uploads import size_text

TOO_LARGE_CODE = "request_too_large"


def too_large_message(limit: int) -> str:
    return f"The request is too large: this site accepts at most {size_text(limit)} at once."


def too_large_response(request: HttpRequest, *, limit: int) -> HttpResponse:
    message = too_large_message(limit)
    speaks_json = request.content_type == "application/json" or "application/json" in request.headers.get("Accept", "")
    if request.path.startswith("/api/") or speaks_json:
        return JsonResponse(body(TOO_LARGE_CODE, message), status=413)
    page = f"<!doctype html><title>Request too large</title><h1>Request too large</h1><p>{escape(message)}</p>"
    return HttpResponse(page, status=413)


class RequestSizeLimitMiddleware:
    def __init__(self, get_response) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        try:
            declared = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            declared = 0  # Django reads no body for a length it cannot parse
        # Only a multipart form carries files; any other body is fields or JSON, held to Django's own limit
        # here too, since DRF's parsers read the stream past it.
        carries_files = request.content_type == "multipart/form-data"
        limit = settings.MAX_REQUEST_BYTES if carries_files else settings.DATA_UPLOAD_MAX_MEMORY_SIZE
        if declared > limit:
            return too_large_response(request, limit=limit)
        return self.get_response(request)


def bad_request(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    """The site's 400 page, except for a body too large to read, which is a 413."""
    if isinstance(exception, RequestDataTooBig):
        return too_large_response(request, limit=settings.DATA_UPLOAD_MAX_MEMORY_SIZE)
    return defaults.bad_request(request, exception)
