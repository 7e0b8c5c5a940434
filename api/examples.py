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

RETURN = {
    "id": 41, "ran": "RA-7KQ2-M9XD-4", "state": "authorized", "order_number": "HW-10023", "channel": "api",
    "refund_method": "original_payment", "exchange_sku": "", "carrier": "", "tracking_number": "",
    "requested_at": "2026-12-01T09:30:00Z", "updated_at": "2026-12-01T09:30:00Z",
    "items": [{"unit_number": 1, "line_number": 1, "sku": "JKT-RAIN-M", "reason": "size_fit", "comment": "Too small",
               "serial_number": "", "grade": None, "disposition": None}],
    "refund": None,
    "events": [
        {"id": 301, "type": "return.requested", "from_state": "", "to_state": "requested",
         "at": "2026-12-01T09:30:00Z"},
        {"id": 302, "type": "return.authorized", "from_state": "requested", "to_state": "authorized",
         "at": "2026-12-01T09:30:00Z"},
    ],
}
RETURN_REQUEST = OpenApiExample("A return", request_only=True, value={
    "order_number": "HW-10023", "refund_method": "original_payment",
    "items": [{"line_number": 1, "quantity": 1, "reason": "size_fit", "comment": "Too small", "serial_number": ""}],
})
RETURN_RESPONSE = OpenApiExample("The return", value=RETURN, response_only=True)
CANCEL_REQUEST = OpenApiExample("Cancel", value={"reason": "The customer keeps the jacket."}, request_only=True)
TRACKING_REQUEST = OpenApiExample(
    "Tracking", value={"carrier": "DHL", "tracking_number": "00340434161094042557"}, request_only=True
)
REFUND_RESPONSE = OpenApiExample("A refund", response_only=True, value={
    "id": 17, "return_id": 41, "ran": "RA-7KQ2-M9XD-4", "order_number": "HW-10023", "amount": "129.900",
    "currency": "EUR", "method": "original_payment", "status": "requested", "reference": "",
    "proposed_at": "2026-12-04T11:00:00Z", "issued_at": None,
})
CONFIRM_REQUEST = OpenApiExample("A refund paid", value={"reference": "payout_5521"}, request_only=True)
CONFIRM_EXCHANGE_REQUEST = OpenApiExample(
    "An exchange shipped", value={"replacement_order_number": "HW-10107"}, request_only=True
)
EVENTS_RESPONSE = OpenApiExample("Events", response_only=True, value={
    "results": [{"id": "302", "type": "return.authorized", "timestamp": "2026-12-01T09:30:00+00:00", "data": {
        "id": 41, "ran": "RA-7KQ2-M9XD-4", "order_number": "HW-10023", "state": "authorized",
        "from_state": "requested", "event_id": 302, "at": "2026-12-01T09:30:00+00:00"}}],
    "next": "https://returns.example.com/api/v1/events/?after=302",
})
