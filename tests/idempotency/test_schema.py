"""A client developer reads in the OpenAPI schema that every POST takes an Idempotency-Key."""

import re

from drf_spectacular.generators import SchemaGenerator


def operations(method: str) -> dict:
    schema = SchemaGenerator().get_schema(request=None, public=True)
    return {path: ops[method] for path, ops in schema["paths"].items() if method in ops}


def test_every_post_documents_the_header_and_the_422_and_no_get_does():
    posts = operations("post")
    assert {"/api/v1/orders/", "/api/v1/returns/", "/api/v1/returns/{id}/cancel/"} <= set(posts)
    for operation in posts.values():
        assert "Idempotency-Key" in [parameter["name"] for parameter in operation["parameters"]]
        assert operation["responses"]["422"]["content"]["application/json"]["schema"] == {
            "$ref": "#/components/schemas/Error"
        }
    for operation in operations("get").values():
        assert "Idempotency-Key" not in [parameter["name"] for parameter in operation.get("parameters", [])]


def test_the_documented_pattern_accepts_exactly_the_keys_the_api_accepts():
    header = next(p for p in operations("post")["/api/v1/orders/"]["parameters"] if p["name"] == "Idempotency-Key")
    pattern = re.compile(header["schema"]["pattern"])
    assert pattern.fullmatch("3f2a8c1e-order HW-10023")
    assert not any(pattern.fullmatch(key) for key in ["", "   ", "order\x01", "bestellung-ä"])
