"""Input no screen can use, refused with a 400 before any view, form or query sees it.

PostgreSQL cannot store or even compare a text holding a NUL character, and no text holding a lone
surrogate (a JSON "\\ud800") can be encoded as UTF-8 at all: one in a scan, a search box, a list filter, a
cookie or a JSON body would reach a query or an answer as an error (a 500). No person types one, so the
request is refused whole, with a message saying why. A query-string value longer than any search or filter
needs is refused too: a search for 10,000 characters is a probe, not a question.
"""

import json
import re
from collections.abc import Callable, Iterable

from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest, JsonResponse

UNUSABLE = re.compile("[\x00\ud800-\udfff]")
# The longest value a query string carries (a search, a filter, the admin's saved filters of a list);
# production servers cap the whole request line near 4 KB anyway.
MAX_QUERY_VALUE_LENGTH = 2000


def _unusable(texts: Iterable[str]) -> bool:
    return any(UNUSABLE.search(text) for text in texts)


def _json_unusable(value) -> bool:
    if isinstance(value, str):
        return bool(UNUSABLE.search(value))
    if isinstance(value, dict):
        return _unusable(value) or any(_json_unusable(inner) for inner in value.values())
    if isinstance(value, list):
        return any(_json_unusable(inner) for inner in value)
    return False


def _json_body_unusable(request: HttpRequest) -> bool:
    if "json" not in request.content_type or not request.body:
        return False
    try:
        document = json.loads(request.body)
    except ValueError:
        return False  # not JSON at all: the view's own parser answers that
    return _json_unusable(document)


def _problem(request: HttpRequest) -> str | None:
    """What makes the request unusable, in words, or None."""
    headers = [value for key, value in request.META.items() if key.startswith("HTTP_") and isinstance(value, str)]
    if _unusable([request.path_info, *headers, *request.COOKIES, *request.COOKIES.values()]):
        return "The address, a header or a cookie contains a NUL character."
    query = [text for key, values in request.GET.lists() for text in (key, *values)]
    if _unusable(query):
        return "The query string contains a NUL character."
    if any(len(text) > MAX_QUERY_VALUE_LENGTH for text in query):
        return f"A query-string value is longer than {MAX_QUERY_VALUE_LENGTH} characters."
    # A form above DATA_UPLOAD_MAX_MEMORY_SIZE raises RequestDataTooBig here and the request stops as a 413
    # (returns_site.request_size.bad_request): caught, Django would hand the view an empty form instead.
    if request.method == "POST" and _unusable(text for key, values in request.POST.lists() for text in (key, *values)):
        return "The form contains a NUL character."
    if request.method in {"POST", "PUT", "PATCH"} and _json_body_unusable(request):
        return "The JSON body contains a NUL character or a lone surrogate (\\ud800 to \\udfff)."
    return None


def _wants_json(request: HttpRequest) -> bool:
    return (
        request.path_info.startswith("/api/")
        or "json" in request.content_type
        or "application/json" in request.headers.get("Accept", "")
    )


class RefuseUnusableInputMiddleware:
    """A 400 with a message for a NUL character (or a lone surrogate) anywhere in a request, or an over-long
    query-string value."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        problem = _problem(request)
        if problem is None:
            return self.get_response(request)
        if _wants_json(request):
            return JsonResponse({"code": "malformed_request", "message": problem, "fields": {}}, status=400)
        return HttpResponseBadRequest(f"{problem} Nothing was done.", content_type="text/plain; charset=utf-8")
