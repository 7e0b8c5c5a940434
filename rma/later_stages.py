"""What inspection, disposition and refunds may do to a return from inside their own services.

These move a return or write its trail without checking who acts: the later stage's service has
checked its actor's permission and the units already, and calls these inside its own transaction.
Nothing else imports this module (tests/test_architecture.py holds to it); screens call services.
"""

from core.actors import Actor
from rma import chain, selectors
from rma.models import ReturnRequest
from rma.trail import apply_transition, ensure_transition_allowed, record_event

__all__ = [
    "close_without_refund", "ensure_transition_allowed", "lock_return", "mark_dispositioned", "mark_inspected",
    "mark_refunded", "record_event",
]


def lock_return(*, rma: ReturnRequest) -> ReturnRequest:
    """The return row locked for the caller's transaction, for a later stage deciding on its state."""
    return selectors.return_for_update(pk=rma.pk)


def mark_inspected(*, rma: ReturnRequest, actor: Actor) -> ReturnRequest:
    """The last unit is inspected; what follows (rma.chain) runs before this returns."""
    rma = apply_transition(rma=lock_return(rma=rma), transition="inspect", actor=actor)
    chain.continue_after(rma=rma, actor=actor)
    return lock_return(rma=rma)


def mark_dispositioned(*, rma: ReturnRequest, actor: Actor) -> ReturnRequest:
    """The last unit is dispositioned; what follows (rma.chain) runs before this returns."""
    rma = apply_transition(rma=lock_return(rma=rma), transition="disposition", actor=actor)
    chain.continue_after(rma=rma, actor=actor)
    return lock_return(rma=rma)


def mark_refunded(*, rma: ReturnRequest, actor: Actor, details: dict | None = None) -> ReturnRequest:
    return apply_transition(rma=lock_return(rma=rma), transition="refund", actor=actor, details=details)


def close_without_refund(*, rma: ReturnRequest, actor: Actor, reason: str) -> ReturnRequest:
    return apply_transition(
        rma=lock_return(rma=rma), transition="close_without_refund", actor=actor, note=reason, reason=reason
    )
