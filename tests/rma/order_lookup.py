"""What a client's system answers to an order lookup, for the tests of every screen that looks orders up."""


def order_answer(number: str = "KE-1001", **changes) -> dict:
    """The client system's answer: the body of POST /api/v1/orders/."""
    answer = {
        "number": number,
        "customer": {
            "email": "Mia.Lang@example.com", "name": "Mia Lang", "phone": "+49 30 5550 1", "address_line1": "Torstr. 1",
            "address_line2": "", "city": "Berlin", "region": "", "postal_code": "10119", "country": "DE",
        },
        "ordered_at": "2026-11-20T10:00:00Z", "delivered_at": "2026-11-23T09:30:00Z",
        "payment_method": "card", "payment_reference": "ch_1001", "currency": "EUR",
        "lines": [
            {"line_number": 1, "sku": "KE-TEE", "description": "Organic tee", "category": "tops", "quantity": 2,
             "unit_price": "24.95", "serial_numbers": []},
            {"line_number": 2, "sku": "KE-WATCH", "description": "Watch", "category": "watches", "quantity": 1,
             "unit_price": "199.00", "serial_numbers": ["SN-77"]},
        ],
    }
    answer.update(changes)
    return answer
