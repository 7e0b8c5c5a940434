# Fixture of the lifecycle-state rule: `semgrep --test --config .semgrep .semgrep/tests` (scripts/static_analysis.sh).
from idempotency.models import IdempotencyKey, KeyState
from rma.models import ReturnRequest, ReturnState


def receive_by_hand(rma):
    # ruleid: lifecycle-state-assigned-directly
    rma.state = ReturnState.RECEIVED
    rma.save()


def receive_by_setattr(rma):
    # ruleid: lifecycle-state-assigned-directly
    setattr(rma, "state", "received")


def expire_in_bulk(queryset):
    # ruleid: lifecycle-state-assigned-directly
    queryset.update(state=ReturnState.EXPIRED, updated_at=None)
    # ruleid: lifecycle-state-assigned-directly
    queryset.filter(ran=None).update(state="cancelled")
    # ruleid: lifecycle-state-assigned-directly
    ReturnRequest.objects.filter(ran=None).exclude(notes="").update(state=queryset.state)


def refund_in_bulk(returns):
    # ruleid: lifecycle-state-assigned-directly
    ReturnRequest.objects.bulk_update(returns, ["state"])


def receive_through_the_transition(rma):
    # ok: lifecycle-state-assigned-directly
    rma.receive()
    rma.save(update_fields=["state", "received_at", "updated_at"])


def read_the_state(rma):
    # ok: lifecycle-state-assigned-directly
    state = rma.state
    # ok: lifecycle-state-assigned-directly
    ReturnRequest.objects.filter(state=state).update(notes="")
    return state


def complete_an_idempotency_key(claim):
    # ok: lifecycle-state-assigned-directly
    IdempotencyKey.objects.filter(pk=claim.pk).update(state=KeyState.COMPLETED)
