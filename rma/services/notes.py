"""Notes people write on a return: each one an event of its trail, never edited afterwards."""

from django.db import transaction

from core.actors import Actor, require
from core.errors import InvalidInput
from rma.models import ReturnEvent, ReturnEventType, ReturnRequest
from rma.services._common import locked
from rma.trail import record_event

LONGEST_NOTE = 2000


@transaction.atomic
def add_note(*, rma: ReturnRequest, actor: Actor, text: str) -> ReturnEvent:
    """Write a note on the return's timeline (what the customer said, what was agreed, what to watch for)."""
    actor = require(actor, "rma.add_note", action="write notes on returns", on=rma)
    text = (text or "").strip()
    if not text:
        raise InvalidInput("Write the note.")
    if len(text) > LONGEST_NOTE:
        raise InvalidInput(f"A note is at most {LONGEST_NOTE} characters; this one has {len(text)}.")
    return record_event(rma=locked(rma), action=ReturnEventType.NOTE_ADDED, actor=actor, note=text)
