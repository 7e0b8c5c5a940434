"""What each kind of message does around its delivery, registered by the app that writes it.

The outbox calls the handler of a message's type (the longest registered prefix of it, e.g.
"return." for return.received) to find where a webhook goes and with which secrets (read at send
time, so a rotated secret or a changed URL applies to messages already waiting), and to tell the
writer the outcome: delivered, with the receiver's reply, or finally failed.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from outbox.models import Message


@dataclass(frozen=True)
class Endpoint:
    url: str
    secrets: tuple[str, ...]  # every active signing secret: during a rotation, the new one and the old one


@dataclass(frozen=True)
class Reply:
    status_code: int | None
    body: Any  # the JSON the receiver answered with, or None


@dataclass(frozen=True)
class MessageType:
    prefix: str
    endpoint: Callable[[Message], Endpoint | None] | None = None
    on_delivered: Callable[[Message, Reply], None] | None = None
    on_failed: Callable[[Message], None] | None = None


_TYPES: dict[str, MessageType] = {}


def register(
    prefix: str, *,
    endpoint: Callable[[Message], Endpoint | None] | None = None,
    on_delivered: Callable[[Message, Reply], None] | None = None,
    on_failed: Callable[[Message], None] | None = None,
) -> None:
    """Register what messages whose type starts with `prefix` need (e.g. "return." or "refund.requested")."""
    _TYPES[prefix] = MessageType(prefix, endpoint, on_delivered, on_failed)


def handler_for(message_type: str) -> MessageType:
    matching = [prefix for prefix in _TYPES if message_type.startswith(prefix)]
    return _TYPES[max(matching, key=len)] if matching else MessageType(prefix="")
