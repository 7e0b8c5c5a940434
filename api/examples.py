"""The examples the OpenAPI schema shows for each endpoint, and the error responses they share."""

from drf_spectacular.utils import OpenApiExample, OpenApiResponse, inline_serializer
from rest_framework import serializers

ErrorSerializer = inline_serializer(
    name="Error",
    fields={
        "code": serializers.CharField(),
        "message": serializers.CharField(),
        "fields": serializers.DictField(child=serializers.ListField(child=serializers.CharField())),
    },
)


def _error(description: str, code: str, message: str, fields: dict | None = None) -> OpenApiResponse:
    return OpenApiResponse(
        ErrorSerializer, description=description,
        examples=[OpenApiExample(code, value={"code": code, "message": message, "fields": fields or {}})],
    )


ERRORS = {
    400: _error("Invalid input", "invalid_input", "The request is not valid: see fields.",
                {"lines": ["This field is required."]}),
    401: _error("No key, or a bad or revoked one", "authentication_failed", "This API key is not valid."),
    403: _error("The account may not do this", "permission_denied", "Only a client account may use the API."),
    404: _error("Not found, or another client's", "not_found", "Not found."),
    409: _error("The object's state refuses it", "transition_refused", "This return cannot be cancelled now."),
    429: _error("Throttled: see Retry-After", "throttled", "Request was throttled."),
}
READ_ERRORS = {status: ERRORS[status] for status in (401, 403, 404, 429)}

ORDER = {
    "number": "HW-10023",
    "customer": {
        "email": "anna@example.com", "name": "Anna Berg", "phone": "+49 40 123456",
        "address_line1": "Hafenstraße 1", "address_line2": "", "city": "Hamburg", "region": "",
        "postal_code": "20457", "country": "DE",
    },
    "ordered_at": "2026-11-20T10:15:00+01:00",
    "delivered_at": "2026-11-23T14:00:00+01:00",
    "payment_method": "card",
    "payment_reference": "pay_8321",
    "currency": "EUR",
    "lines": [{
        "line_number": 1, "sku": "JKT-RAIN-M", "description": "Rain jacket, M", "category": "outerwear",
        "quantity": 1, "unit_price": "129.900", "serial_numbers": [],
    }],
}
ORDER_REQUEST = OpenApiExample("An order", value=ORDER, request_only=True)
ORDER_RESPONSE = OpenApiExample("The order", value=ORDER, response_only=True, status_codes=["200", "201"])
