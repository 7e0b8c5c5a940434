"""Claiming, answering and forgetting idempotency keys.

A request with a key first claims it in a statement of its own that commits at once, so a concurrent
retry sees the claim and is told to wait (409) instead of running the work a second time. The work and
the stored answer then commit together (idempotency.views): a crash in between leaves neither, and a
retry after the lease runs the request afresh.
"""

import datetime as dt
import hashlib
import secrets
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import IntegrityError, transaction
from django.db.models import Func, Q, TextField
from django.utils import timezone

from core.errors import DomainError
from idempotency.models import IdempotencyKey, KeyState

MAX_KEY_LENGTH = 255
# DESIGN.md promises clients a day at least; a shorter setting would break that promise silently.
MIN_KEPT = dt.timedelta(hours=24)


class InvalidKey(DomainError):
    code = "invalid_idempotency_key"


class KeyReused(DomainError):
    code = "idempotency_key_reused"


class StillRunning(DomainError):
    code = "idempotency_key_in_use"


@dataclass(frozen=True)
class Fingerprint:
    """What makes two requests the same request: method, path with its query, and the body's hash."""

    method: str
    path: str
    body_sha256: str

    @classmethod
    def of(cls, *, method: str, path: str, body: bytes) -> "Fingerprint":
        return cls(method=method.upper(), path=path, body_sha256=hashlib.sha256(body).hexdigest())


@dataclass(frozen=True)
class Claim:
    """This request holds the key: run the work, then complete or release the claim."""

    pk: int
    holder: str


@dataclass(frozen=True)
class StoredResponse:
    status: int
    body: bytes
    content_type: str
    location: str


def validate_key(key: str) -> str:
    """The key as sent, if it is 1 to 255 visible ASCII characters (spaces inside allowed)."""
    if not key.strip():
        raise InvalidKey("The Idempotency-Key header is empty.")
    if len(key) > MAX_KEY_LENGTH:
        raise InvalidKey(f"The Idempotency-Key header is longer than {MAX_KEY_LENGTH} characters.")
    if not all(" " <= char <= "~" for char in key):
        raise InvalidKey("The Idempotency-Key header may hold only visible ASCII characters and spaces.")
    return key


def lease() -> dt.timedelta:
    return dt.timedelta(seconds=settings.IDEMPOTENCY_LEASE_SECONDS)


def kept_for() -> dt.timedelta:
    kept = dt.timedelta(hours=settings.IDEMPOTENCY_KEYS_KEPT_HOURS)
    if kept < MIN_KEPT:
        raise ImproperlyConfigured("IDEMPOTENCY_KEYS_KEPT_HOURS must be at least 24: clients are promised a day.")
    return kept


def claim_key(*, account, key: str, request: Fingerprint, now: dt.datetime | None = None) -> Claim | StoredResponse:
    """Hold `key` for this request, or answer from the first request that used it.

    Refuses with KeyReused when the key was used for another request (422), StillRunning while the first
    request holds it (409). A running claim whose lease ran out (its process died) is taken over.
    """
    now = now or timezone.now()
    holder = secrets.token_hex(16)
    try:
        # Its own savepoint: the unique constraint turning down the insert leaves any outer transaction usable.
        with transaction.atomic():
            row = IdempotencyKey.objects.create(
                account=account, key=key, method=request.method, path=request.path,
                body_sha256=request.body_sha256, holder=holder, leased_until=now + lease(), created_at=now,
            )
        return Claim(pk=row.pk, holder=holder)
    except IntegrityError:
        pass
    row = IdempotencyKey.objects.get(account=account, key=key)
    if Fingerprint(method=row.method, path=row.path, body_sha256=row.body_sha256) != request:
        raise KeyReused(
            "This Idempotency-Key was already used for a different request; send a new key for a new request."
        )
    if row.state == KeyState.COMPLETED:
        return _stored(row)
    taken_over = IdempotencyKey.objects.filter(
        pk=row.pk, state=KeyState.RUNNING, leased_until__lt=now
    ).update(holder=holder, leased_until=now + lease())
    if taken_over:
        return Claim(pk=row.pk, holder=holder)
    row.refresh_from_db()
    if row.state == KeyState.COMPLETED:  # the first request finished while we looked
        return _stored(row)
    raise StillRunning("A request with this Idempotency-Key is still being processed; retry in a moment.")


def complete_claim(*, claim: Claim, response: StoredResponse, now: dt.datetime | None = None) -> bool:
    """Store the first response; False when the claim was taken over meanwhile (the caller's work must not stay)."""
    return bool(IdempotencyKey.objects.filter(pk=claim.pk, holder=claim.holder, state=KeyState.RUNNING).update(
        state=KeyState.COMPLETED, response_status=response.status, response_body=response.body,
        response_content_type=response.content_type, response_location=response.location,
        completed_at=now or timezone.now(),
    ))


def release_claim(*, claim: Claim) -> None:
    """Forget a claim whose request failed (a server error): a retry then runs the request again."""
    IdempotencyKey.objects.filter(pk=claim.pk, holder=claim.holder, state=KeyState.RUNNING).delete()


def purge_expired_keys(*, now: dt.datetime | None = None) -> int:
    """Delete the keys older than IDEMPOTENCY_KEYS_KEPT_HOURS; returns how many went."""
    deleted, _ = IdempotencyKey.objects.filter(created_at__lt=(now or timezone.now()) - kept_for()).delete()
    return deleted


def _stored(row: IdempotencyKey) -> StoredResponse:
    return StoredResponse(
        status=row.response_status, body=bytes(row.response_body),
        content_type=row.response_content_type, location=row.response_location,
    )


class _BodyText(Func):
    """A stored response's bytes read as the UTF-8 text they are, so a filter can look inside them."""

    template = "convert_from(%(expressions)s, 'UTF8')"
    output_field = TextField()

    def as_sqlite(self, compiler, connection, **extra):
        return super().as_sql(compiler, connection, template="CAST(%(expressions)s AS TEXT)", **extra)


def redact_responses(*, containing: Iterable[str], scrub: Callable[[str], str]) -> int:
    """Erase a person's data from the stored responses that show it, for rma.services.erasure (in its
    transaction). A retry still gets its answer, with `scrub` applied; returns how many were changed."""
    mentions = Q()
    for value in containing:
        mentions |= Q(body_text__icontains=value)
    if not mentions:
        return 0
    keys = IdempotencyKey.objects.annotate(body_text=_BodyText("response_body")).filter(mentions)
    changed = 0
    for key in keys.select_for_update(of=("self",)).only("pk", "response_body"):
        body = bytes(key.response_body).decode("utf-8", errors="replace")
        IdempotencyKey.objects.filter(pk=key.pk).update(response_body=scrub(body).encode())
        changed += 1
    return changed
