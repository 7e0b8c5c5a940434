"""The one place a POST of the API becomes idempotent: `IdempotentPostMixin`, on the API's base view.

DRF's dispatch runs `initial` (authentication, permissions, throttles), the handler, then
`finalize_response`; exceptions go through `handle_exception`. The mixin claims the key at the end of
`initial` (its own committed statement), opens the work's transaction, and at `finalize_response` stores
the rendered response in that same transaction before committing it. A server error rolls the work back
and releases the claim, so the client's retry runs again.
"""

from django.db import transaction
from django.http import HttpResponse
from rest_framework.response import Response

from idempotency import services
from idempotency.services import Claim, Fingerprint, InvalidKey, KeyReused, StillRunning, StoredResponse

HEADER = "Idempotency-Key"
REFUSALS = {InvalidKey: 400, KeyReused: 422, StillRunning: 409}


class _Replay(Exception):
    """Raised from `initial` to skip the handler: the first response is the answer."""

    def __init__(self, stored: StoredResponse) -> None:
        super().__init__(stored)
        self.stored = stored


class IdempotentPostMixin:
    """Honours the `Idempotency-Key` header on POST (DESIGN.md, "REST API"); put it before APIView."""

    _idempotency_claim: Claim | None = None
    _idempotency_work: transaction.Atomic | None = None

    def initial(self, request, *args, **kwargs):
        key = request.headers.get(HEADER) if request.method == "POST" else None
        # Read now, before authentication or parsing may consume the stream; Django keeps it for the parsers.
        # Too large a body raises RequestDataTooBig: the API's exception handler answers it with a 413.
        body = request.body if key is not None else b""
        super().initial(request, *args, **kwargs)
        if key is None or not request.user.is_authenticated:
            return
        outcome = services.claim_key(
            account=request.user, key=services.validate_key(key),
            request=Fingerprint.of(method=request.method, path=request.get_full_path(), body=body),
        )
        if isinstance(outcome, StoredResponse):
            raise _Replay(outcome)
        self._idempotency_claim = outcome
        self._idempotency_work = transaction.atomic()
        self._idempotency_work.__enter__()

    def handle_exception(self, exc):
        if isinstance(exc, _Replay):
            return replayed(exc.stored)
        if type(exc) in REFUSALS:
            return refusal(exc)
        self._end_work(exc)
        try:
            return super().handle_exception(exc)
        except BaseException:
            self._release()
            raise

    def finalize_response(self, request, response, *args, **kwargs):
        response = super().finalize_response(request, response, *args, **kwargs)
        claim, self._idempotency_claim = self._idempotency_claim, None
        if claim is None:
            return response
        try:
            if response.status_code >= 500 or response.streaming:
                self._end_work(rollback=True)
                services.release_claim(claim=claim)
                return response
            if hasattr(response, "render"):  # a DRF Response is rendered late; its bytes are what we keep
                response.render()
            if not services.complete_claim(claim=claim, response=stored_from(response)):
                self._end_work(rollback=True)
                taken_over = StillRunning("A retry took this request over after it ran too long; its answer counts.")
                return super().finalize_response(request, refusal(taken_over), *args, **kwargs)
            self._end_work()
        except BaseException:
            self._end_work(rollback=True)
            services.release_claim(claim=claim)
            raise
        return response

    def _end_work(self, exc: BaseException | None = None, *, rollback: bool = False) -> None:
        """Close the work's transaction: commit it, or roll it back after `exc` or when told to."""
        work, self._idempotency_work = self._idempotency_work, None
        if work is None:
            return
        if exc is not None:
            work.__exit__(type(exc), exc, exc.__traceback__)
            return
        if rollback:
            transaction.set_rollback(True)
        work.__exit__(None, None, None)

    def _release(self) -> None:
        claim, self._idempotency_claim = self._idempotency_claim, None
        if claim is not None:
            services.release_claim(claim=claim)


def stored_from(response) -> StoredResponse:
    return StoredResponse(
        status=response.status_code, body=response.content,
        content_type=response.get("Content-Type", ""), location=response.get("Location", ""),
    )


def replayed(stored: StoredResponse) -> HttpResponse:
    """The first response again, byte for byte, marked as a replay (the header Stripe's clients know)."""
    response = HttpResponse(stored.body, status=stored.status, content_type=stored.content_type or None)
    if stored.location:
        response["Location"] = stored.location
    response["Idempotent-Replayed"] = "true"
    return response


def refusal(error: InvalidKey | KeyReused | StillRunning) -> Response:
    fields = {HEADER: [error.message]} if isinstance(error, InvalidKey) else {}
    response = Response({"code": error.code, "message": error.message, "fields": fields}, status=REFUSALS[type(error)])
    if isinstance(error, StillRunning):
        response["Retry-After"] = "1"
    return response
