"""Every error of the API as JSON {code, message, fields}: domain refusals become 4xx, never a 500."""

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.http import Http404
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from core.errors import DomainError, InvalidInput, PermissionRefused

# The status of a domain refusal; anything else a service refuses is the object's state saying no.
DOMAIN_STATUS = {InvalidInput: 400, PermissionRefused: 403}
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
    if isinstance(exc, Http404):
        exc = exceptions.NotFound()
    elif isinstance(exc, DjangoPermissionDenied):
        exc = exceptions.PermissionDenied()
    response = drf_exception_handler(exc, context)
    if response is None:
        return None  # a bug: let it be a 500 and be seen
    code = next((code for kind, code in CODES.items() if isinstance(exc, kind)), "error")
    if isinstance(exc, exceptions.ValidationError):
        fields = exc.detail if isinstance(exc.detail, dict) else {"non_field_errors": exc.detail}
        response.data = body(code, "The request is not valid: see fields.", fields)
    else:
        response.data = body(code, str(exc.detail))
    return response


def _domain_response(error: DomainError) -> Response:
    status_code = next(
        (code for kind, code in DOMAIN_STATUS.items() if isinstance(error, kind)), status.HTTP_409_CONFLICT
    )
    data = error.as_dict()
    extra = {key: value for key, value in data.items() if key not in ("code", "message")}
    return Response(body(error.code, error.message, getattr(error, "fields", None), **extra), status=status_code)
