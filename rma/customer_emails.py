"""The customer's emails about their return, in the client's name and the customer's language.

One email per step a customer waits for: authorized (with the label link), received at the facility,
refunded (amount and method), rejected (with the reason), and the warning that an authorization is
about to expire. Each is rendered from templates/emails/ (text and HTML) and written into the outbox
in the transaction of the change it tells of, keyed so that it is queued once per return. rma.trail
writes the step emails with their events; rma.services.reminders writes the warnings.
"""

from collections import Counter
from decimal import Decimal

from django.conf import settings
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.formats import date_format, number_format
from django.utils.http import urlencode
from django.utils.translation import gettext, gettext_lazy, pgettext_lazy

from core.actors import Actor, user_of
from core.money import minor_unit, quantize
from outbox import selectors as outbox_selectors
from outbox.models import Message
from outbox.services import enqueue_email
from rma import selectors
from rma.models import RefundMethod, ReturnEvent, ReturnEventType, ReturnRequest

AUTHORIZED, RECEIVED, REFUNDED, REJECTED, EXPIRING = "authorized", "received", "refunded", "rejected", "expiring"

# The events a customer hears of, and the email each one sends.
EMAIL_OF_EVENT = {
    ReturnEventType.AUTHORIZE: AUTHORIZED,
    ReturnEventType.RECEIVE: RECEIVED,
    ReturnEventType.RECEIVE_EXPIRED: RECEIVED,
    ReturnEventType.REFUND: REFUNDED,
    ReturnEventType.REJECT: REJECTED,
}

SUBJECTS = {
    AUTHORIZED: gettext_lazy("Your return %(ran)s is authorized: your label is ready"),
    RECEIVED: gettext_lazy("We have received your return %(ran)s"),
    REFUNDED: gettext_lazy("Your refund for return %(ran)s"),
    REJECTED: gettext_lazy("Your return request for order %(order)s"),
    EXPIRING: gettext_lazy("Your return %(ran)s: please send it by %(date)s"),
}

# How the refund reached the customer, as the refund email says it ("...refunded %(amount)s <method>");
# an exchange is told as the replacement ordered instead.
REFUND_METHOD_WORDS = {
    RefundMethod.ORIGINAL_PAYMENT: pgettext_lazy("refunded ...", "to your original payment method"),
    RefundMethod.STORE_CREDIT: pgettext_lazy("refunded ...", "as store credit"),
    RefundMethod.GIFT_CARD: pgettext_lazy("refunded ...", "as a gift card (its code comes in a separate email)"),
}


def email_type(kind: str) -> str:
    return f"email.return_{kind}"


def idempotency_key(*, kind: str, rma: ReturnRequest) -> str:
    return f"customer-email:{kind}:{rma.pk}"


def return_owner(rma: ReturnRequest) -> str:
    return f"rma.return:{rma.pk}"


def language_for(rma: ReturnRequest) -> str:
    """The return's language, else the order's, else the client's first; each only if we speak it."""
    for wish in (rma.language, rma.order.language, *rma.client.languages):
        try:
            return translation.get_supported_language_variant(wish)
        except LookupError:
            continue
    return translation.get_supported_language_variant(settings.LANGUAGE_CODE)


def public_url(path: str) -> str:
    """A link for the customer: on the configured public address, whatever request caused the email."""
    return f"{settings.PUBLIC_BASE_URL}{path}"


def status_url(rma: ReturnRequest) -> str:
    """The return's page on the client's portal, its RAN filled in: the customer adds their email."""
    path = reverse("portal:status", kwargs={"client_code": rma.client.code})
    return public_url(f"{path}?{urlencode({'ran': rma.ran})}")


def money(amount: Decimal | str, currency: str) -> str:
    """The amount in the active language's digits, with its currency's decimals (79,40 EUR; 1,299 JPY)."""
    value = quantize(Decimal(str(amount)), currency)
    return f"{number_format(value, decimal_pos=minor_unit(currency), force_grouping=True)} {currency.upper()}"


def text_colour_on(colour: str) -> str:
    """Black or white, whichever reads better on the client's colour (WCAG's relative luminance)."""
    channels = [int(colour[index:index + 2], 16) / 255 for index in (1, 3, 5)]
    red, green, blue = (c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels)
    luminance = 0.2126 * red + 0.7152 * green + 0.0722 * blue
    # Contrast with white is 1.05 / (L + 0.05), with black (L + 0.05) / 0.05: equal at L = 0.179.
    return "#000000" if luminance > 0.179 else "#ffffff"


def email_for_event(*, rma: ReturnRequest, event: ReturnEvent, actor: Actor) -> Message | None:
    """Queue the email the customer gets for this event, if any (called by rma.trail.record_event)."""
    kind = EMAIL_OF_EVENT.get(event.action)
    if kind is None:
        return None
    return queue_email(rma=rma, kind=kind, actor=actor, event=event)


def queue_email(*, rma: ReturnRequest, kind: str, actor: Actor, event: ReturnEvent | None = None) -> Message | None:
    """Render the `kind` email of the return and write it into the outbox, once per return and kind.

    Nothing is written for a customer without an email address, or when this email is queued already.
    """
    address = rma.customer.email
    key = idempotency_key(kind=kind, rma=rma)
    if not address or outbox_selectors.is_written(idempotency_key=key):
        return None
    client = rma.client
    with translation.override(language_for(rma)), timezone.override(client.zone):
        context = _context(rma=rma, kind=kind, event=event)
        subject = SUBJECTS[kind] % {
            "ran": rma.ran or "", "order": rma.order.number, "date": context.get("send_by_date", ""),
        }
        context["subject"] = subject
        body = render_to_string(f"emails/return_{kind}.txt", context)
        html = render_to_string(f"emails/return_{kind}.html", context)
    message, _ = enqueue_email(
        type=email_type(kind), to=address, owner=return_owner(rma), created_by=user_of(actor),
        idempotency_key=key, subject=str(subject), body=body, html=html, sender_name=client.name,
        reply_to=client.contact_email,
    )
    return message


def _context(*, rma: ReturnRequest, kind: str, event: ReturnEvent | None) -> dict:
    client = rma.client
    context = {
        "rma": rma, "client": client, "customer_name": rma.customer.name,
        "order_number": rma.order.number, "units": _units(rma), "language": translation.get_language(),
        "logo_url": public_url(client.portal_logo.url) if client.portal_logo else "",
        "accent_text": text_colour_on(client.portal_colour),
    }
    if kind in (AUTHORIZED, RECEIVED):
        context["status_url"] = status_url(rma)
    if kind in (AUTHORIZED, EXPIRING):
        expires_at = timezone.localtime(rma.authorization_expires_at)
        context.update(
            label_url=public_url(selectors.label_url_for(rma)),
            expires_at=expires_at,
            send_by_date=date_format(expires_at, "DATE_FORMAT"),
        )
    if kind == REFUNDED and event is not None:
        # The refund event carries what was paid and how (docs/events.md): rma never reads refunds.
        details = event.details
        context.update(
            amount=money(details["amount"], details["currency"]),
            method_code=details.get("method", ""),
            method=REFUND_METHOD_WORDS.get(details.get("method"), gettext("as agreed with you")),
            exchange_sku=rma.exchange_sku if details.get("method") == RefundMethod.EXCHANGE else "",
            bonus=money(details["bonus_amount"], details["currency"]) if details.get("bonus_amount") else "",
        )
    if kind == REJECTED:
        context["reason"] = rma.decision_reason
    return context


def _units(rma: ReturnRequest) -> list[dict]:
    """What comes back, one line per article: "2 × Trail running shoe (SKU-1)"."""
    counts = Counter(item.order_line for item in selectors.units_of(rma=rma))  # one order line per article
    return [
        {"quantity": count, "description": line.description or line.sku, "sku": line.sku}
        for line, count in counts.items()
    ]
