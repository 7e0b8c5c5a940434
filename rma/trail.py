"""The audit trail's writer: every event of a return is written here, and every transition applied here.

Nothing here checks who acts: the services that call it have checked the actor's permission and locked
the return row. Inside rma the services call it; inspection, disposition and refunds reach it only
through rma.later_stages.
"""

import datetime as dt
from typing import Any

from django.utils import timezone
from django_fsm import can_proceed

from core.actors import Actor, CustomerActor, SystemActor, user_of
from core.errors import TransitionRefused
from rma import customer_emails, webhooks
from rma.models import ReportDayToRefresh, ReturnEvent, ReturnEventType, ReturnRequest

# What each transition is called in a sentence: "it cannot be <verb> now".
TRANSITION_VERBS = {
    "authorize": "authorized",
    "reject": "rejected",
    "cancel": "cancelled",
    "expire": "expired",
    "ship": "marked in transit",
    "receive": "received",
    "receive_expired": "received as an expired RAN",
    "inspect": "marked inspected",
    "disposition": "marked dispositioned",
    "refund": "marked refunded",
    "close_without_refund": "closed without refund",
}


def record_event(
    *,
    rma: ReturnRequest,
    action: ReturnEventType,
    actor: Actor,
    note: str = "",
    details: dict | None = None,
    at: dt.datetime | None = None,
    from_state: str | None = None,
) -> ReturnEvent:
    """Write one event: the return's state now is its `to_state`, and its `from_state` unless a transition says.

    Who acted is taken from the actor, and so is the channel it came through. A change of state is
    announced to the client's webhook, and the steps the customer waits for are emailed to them
    (rma.customer_emails), in the same transaction. The return's day is marked for the reports to
    recompute (ReportDayToRefresh), in the same transaction too, so a kept figure is never stale unseen.
    """
    event = ReturnEvent.objects.create(
        return_request=rma,
        action=ReturnEventType(action),
        from_state=rma.state if from_state is None else from_state,
        to_state=rma.state,
        actor=user_of(actor),
        customer=actor.customer if isinstance(actor, CustomerActor) else None,
        system_job=actor.job if isinstance(actor, SystemActor) else "",
        channel=actor.channel,
        at=at or timezone.now(),
        note=note,
        details=details or {},
    )
    ReportDayToRefresh.objects.create(
        client_id=rma.client_id, day=timezone.localdate(rma.requested_at, timezone=timezone.get_default_timezone()),
    )
    if event.from_state != event.to_state:
        webhooks.announce_state_change(rma=rma, event=event)
    customer_emails.email_for_event(rma=rma, event=event, actor=actor)
    return event


def ensure_transition_allowed(*, rma: ReturnRequest, transition: str) -> None:
    if not can_proceed(getattr(rma, transition)):
        raise TransitionRefused(
            f"Return {rma} is {rma.get_state_display().lower()}; it cannot be {TRANSITION_VERBS[transition]} now."
        )


def apply_transition(
    *,
    rma: ReturnRequest,
    transition: str,
    actor: Actor,
    note: str = "",
    details: dict | None = None,
    **arguments: Any,
) -> ReturnRequest:
    """Run one transition on a locked return, save it and write its event (named for the transition)."""
    ensure_transition_allowed(rma=rma, transition=transition)
    from_state = rma.state
    now = timezone.now()
    getattr(rma, transition)(at=now, **arguments)
    rma.save()
    record_event(
        rma=rma, action=ReturnEventType(transition), actor=actor, from_state=from_state, note=note,
        details=details, at=now,
    )
    return rma
