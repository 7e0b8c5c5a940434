"""Every error of the API as JSON {code, message, fields}: domain refusals become 4xx, never a 500."""

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import RequestDataTooBig
from django.http import Http404, JsonResponse
from django.views.decorators.csrf import csrf_exempt
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from core.errors import DomainError, InvalidInput, OrderLookupUnavailable, PermissionRefused

# The status of a domain refusal; anything else a service refuses is the object's state saying no.
# The client's own system not answering an order lookup is ours to retry later, not the client's mistake.
DOMAIN_STATUS = {InvalidInput: 400, PermissionRefused: 403, OrderLookupUnavailable: 503}
CODES = {
    exceptions.ParseError: "malformed_request",
    exceptions.ValidationError: "invalid_input",
    exceptions.NotAuthenticated: "not_authenticated",
    exceptions.AuthenticationFailed: "authentication_failed",
    exceptions.PermissionDenied: "permission_denied",
    exceptions.NotFound: "not_found",
    exceptions.MethodNotAllowed: "method_not_allowed",
    exceptions.NotAcceptable: "not_acceptable",
    exceptions.UnsupportedMediaType: "unsupported_media_type",
    exceptions.Throttled: "throttled",
}


def body(code: str, message: str, fields: dict | None = None, **extra) -> dict:
    return {"code": code, "message": message, "fields": fields or {}, **extra}


def exception_handler(exc, context):
    if isinstance(exc, DomainError):
        return _domain_response(exc)
    if isinstance(exc, RequestDataTooBig):
        return Response(body("request_too_large", "The request body is larger than this API accepts."), status=413)
    if isinstance(exc, Http404):
        exc = exceptions.NotFound()
    elif isinstance(exc, DjangoPermissionDenied):
        exc = exceptions.PermissionDenied()
    response = drf_exception_handler(exc, context)
    if response is None:
        return None  # a bug: let it be a 500 and be seen
    code = next((code for kind, code in CODES.items() if isinstance(exc, kind)), "error")
    if isinstance(exc, exceptions.ValidationError):
        response.data = body(code, "The request is not valid: see fields.", flat_fields(exc.detail))
    else:
        response.data = body(code, str(exc.detail))
    return response


def flat_fields(detail, prefix: str = "") -> dict[str, list[str]]:
    """DRF's nested errors as one level, named as a path: `customer.email`, `lines[0].quantity`."""
    if isinstance(detail, dict):
        found: dict[str, list[str]] = {}
        for name, inner in detail.items():
            found.update(flat_fields(inner, _path(prefix, name)))
        return found
    if isinstance(detail, list) and any(isinstance(inner, dict | list) for inner in detail):
        found = {}
        for index, inner in enumerate(detail):
            found.update(flat_fields(inner, f"{prefix}[{index}]"))
        return found
    messages = detail if isinstance(detail, list) else [detail]
    return {prefix or "non_field_errors": [str(message) for message in messages]} if messages else {}


def _path(prefix: str, name) -> str:
    if isinstance(name, int):  # a list's item
        return f"{prefix}[{name}]"
    if name == "non_field_errors" and prefix:  # about the nested object as a whole
        return prefix
    return f"{prefix}.{name}" if prefix else str(name)


@csrf_exempt  # a POST to a wrong address is a 404 too, not a CSRF page
def not_found(request, *args, **kwargs) -> JsonResponse:
    """Any address under /api/v1/ that names no endpoint: the API's own 404, in JSON."""
    return JsonResponse(body("not_found", "No such endpoint or object."), status=404)


def _domain_response(error: DomainError) -> Response:
    status_code = next(
        (code for kind, code in DOMAIN_STATUS.items() if isinstance(error, kind)), status.HTTP_409_CONFLICT
    )
    data = error.as_dict()
    extra = {key: value for key, value in data.items() if key not in ("code", "message")}
    response = Response(body(error.code, error.message, getattr(error, "fields", None), **extra), status=status_code)
    if status_code == status.HTTP_503_SERVICE_UNAVAILABLE:
        response["Retry-After"] = "30"
    return response
