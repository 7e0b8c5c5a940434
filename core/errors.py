"""Domain errors: what a service refuses, with a human message and a machine code.

Screens show `message`; the API returns {"code": ..., "message": ...} with a 4xx status.
"""

from dataclasses import dataclass


class DomainError(Exception):
    code = "domain_error"

    def __init__(self, message: str, *, code: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        if code is not None:
            self.code = code

    def as_dict(self) -> dict:
        return {"code": self.code, "message": self.message}


class PermissionRefused(DomainError):
    code = "permission_refused"


class TransitionRefused(DomainError):
    code = "transition_refused"


class InvalidInput(DomainError):
    code = "invalid_input"


class UploadTooLarge(InvalidInput):
    """A file above its kind's size limit (MAX_PHOTO_BYTES, MAX_RECEIPT_BYTES): a 413 where a status is sent."""

    code = "upload_too_large"


class NotConfigured(DomainError):
    code = "not_configured"


class OrderLookupUnavailable(DomainError):
    """A client's system could not tell us about an order: unreachable, too slow, refusing, or its answer unusable."""

    code = "order_lookup_unavailable"


@dataclass(frozen=True)
class FailedRule:
    """One policy rule a request did not pass: `rule` for machines, `message` for people."""

    rule: str
    message: str

    def as_dict(self) -> dict:
        return {"rule": self.rule, "message": self.message}


class PolicyViolation(DomainError):
    code = "policy_violation"

    def __init__(self, failures: list[FailedRule]) -> None:
        self.failures = list(failures)
        summary = " ".join(failure.message for failure in self.failures)
        super().__init__(f"The request breaks the return policy: {summary}")

    def as_dict(self) -> dict:
        return {**super().as_dict(), "failed_rules": [f.as_dict() for f in self.failures]}
