"""What the console reads of a return across the stages, for a client's eyes: no staff notes, no staff names."""

from django.db.models import F, QuerySet

from rma.models import ReturnEvent, ReturnRequest


def state_changes(*, rma: ReturnRequest) -> QuerySet[ReturnEvent]:
    """The return's timeline as its client sees it: each change of state and when; notes stay with the staff."""
    return rma.events.exclude(from_state=F("to_state")).only("action", "from_state", "to_state", "at", "return_request")
