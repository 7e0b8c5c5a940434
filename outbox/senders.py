"""One attempt at sending a message, with no database lock held: a webhook POST or an email."""

import json
import time
from dataclasses import dataclass
from email.headerregistry import Address
from email.utils import parseaddr
from typing import Any

import requests
from django.conf import settings
from django.core.mail import EmailMultiAlternatives

from core.errors import DomainError
from outbox import destinations, signing
from outbox.models import Message, Transport
from outbox.registry import Endpoint, handler_for

# Connect and read timeouts: a slow receiver must not hold a worker for long.
TIMEOUTS = (3.05, 10)
LONGEST_ERROR = 2000
LONGEST_REPLY = 64 * 1024


@dataclass(frozen=True)
class Outcome:
    delivered: bool
    status_code: int | None = None
    error: str = ""
    reply: Any = None
    final: bool = False  # no later attempt can succeed (e.g. nowhere to send it)
    duration_ms: int = 0


def attempt(message: Message, *, timestamp: int) -> Outcome:
    started = time.monotonic()
    try:
        outcome = send_webhook(message, timestamp) if message.transport == Transport.WEBHOOK else send_email(message)
    except DomainError as error:
        outcome = Outcome(delivered=False, error=error.message, final=True)
    except Exception as error:  # whatever the network or the mail backend raises: keep the message
        outcome = Outcome(delivered=False, error=f"{type(error).__name__}: {error}")
    elapsed = int((time.monotonic() - started) * 1000)
    return Outcome(**{**outcome.__dict__, "error": outcome.error[:LONGEST_ERROR], "duration_ms": elapsed})


def endpoint_of(message: Message) -> Endpoint | None:
    resolve = handler_for(message.type).endpoint
    return resolve(message) if resolve else Endpoint(url=message.destination, secrets=())


def send_webhook(message: Message, timestamp: int) -> Outcome:
    endpoint = endpoint_of(message)
    if endpoint is None or not endpoint.url:
        return Outcome(delivered=False, error="The receiver has no webhook URL any more.", final=True)
    if not endpoint.secrets:
        return Outcome(delivered=False, error="The receiver has no signing secret: generate one.", final=True)
    destinations.check_url(endpoint.url)
    body = json.dumps(message.payload, separators=(",", ":"), sort_keys=True)
    headers = {
        "content-type": "application/json", "user-agent": "returns-back-office-webhooks/1",
        **signing.headers(secrets_=endpoint.secrets, message_id=message.message_id, timestamp=timestamp, body=body),
    }
    # No redirects: a redirect could lead to an address the check above would refuse.
    response = requests.post(endpoint.url, data=body.encode(), headers=headers, timeout=TIMEOUTS,
                             allow_redirects=False)
    if 200 <= response.status_code < 300:
        return Outcome(delivered=True, status_code=response.status_code, reply=_json_reply(response))
    return Outcome(delivered=False, status_code=response.status_code,
                   error=f"HTTP {response.status_code}: {response.text[:500]}")


def _json_reply(response: requests.Response) -> Any:
    if len(response.content) > LONGEST_REPLY:
        return None
    try:
        return response.json()
    except ValueError:
        return None


def send_email(message: Message) -> Outcome:
    payload = message.payload
    sender = settings.DEFAULT_FROM_EMAIL
    if payload.get("sender_name"):
        # The name it is sent in (a client's), beside our own address; the mail backend encodes the header.
        sender = str(Address(display_name=payload["sender_name"], addr_spec=parseaddr(sender)[1]))
    email = EmailMultiAlternatives(payload.get("subject", ""), payload.get("body", ""), sender, [message.destination],
                                   reply_to=[payload["reply_to"]] if payload.get("reply_to") else None)
    if payload.get("html"):
        email.attach_alternative(payload["html"], "text/html")
    if message.attachment_name:
        email.attach(message.attachment_name, bytes(message.attachment), message.attachment_type)
    email.send()
    return Outcome(delivered=True)
