"""The OpenAPI schema's word on Idempotency-Key: a drf-spectacular postprocessing hook (SPECTACULAR_SETTINGS)
that gives every POST operation the header and the 422 of a reused key, so no endpoint can forget them."""

from idempotency.services import MAX_KEY_LENGTH
from idempotency.views import HEADER

PARAMETER = {
    "in": "header",
    "name": HEADER,
    "required": False,
    "description": (
        "Any unique string (a UUID, say) naming this request. A retry with the same key and body gets the first "
        "response again and changes nothing; the same key with another body is a 422; a retry while the first "
        "request still runs is a 409. Keys are kept at least 24 hours, per API account."
    ),
    # What services.validate_key accepts: visible ASCII and spaces, not only spaces.
    "schema": {"type": "string", "maxLength": MAX_KEY_LENGTH, "pattern": "^[ -~]*[!-~][ -~]*$"},
}
REUSED = {
    "code": "idempotency_key_reused", "fields": {},
    "message": "This Idempotency-Key was already used for a different request; send a new key for a new request.",
}


def document_idempotency_key(result, generator, request, public):
    for operations in result.get("paths", {}).values():
        post = operations.get("post")
        if post is None:
            continue
        post.setdefault("parameters", []).append(PARAMETER)
        # The 422 is shaped like the operation's other errors: the schema of its 400.
        error_content = post["responses"].get("400", {}).get("content", {})
        post["responses"]["422"] = {
            "description": "The Idempotency-Key was already used for a different request",
            **({"content": {
                media_type: {"schema": media["schema"], "examples": {REUSED["code"]: {"value": REUSED}}}
                for media_type, media in error_content.items()
            }} if error_content else {}),
        }
    return result
