"""The actions a person can take on one return from its admin page, each a call to a service.

Only the actions the user's permissions allow from the return's current state are offered; a
forged request for any other is refused with 403 before a service is called.
"""

from collections.abc import Callable
from dataclasses import dataclass

from django import forms
from django.contrib.auth.models import AbstractBaseUser
from django.urls import reverse
from django_fsm import can_proceed

from core.uploads import ReceiptField
from refunds import corrections
from rma import selectors as rma_selectors
from rma import services as rma_services
from rma.models import ReturnRequest, ReturnState
from rma.states import AWAITING_PARCEL


class ReasonForm(forms.Form):
    reason = forms.CharField(widget=forms.Textarea(attrs={"rows": 3, "autofocus": True}), max_length=2000)


class RejectForm(ReasonForm):
    reason = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 3, "autofocus": True}), max_length=2000,
        help_text="The customer sees this reason.",
    )


class OverrideForm(forms.Form):
    reason = forms.CharField(
        label="Why authorize despite the policy?", max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3, "autofocus": True}),
    )


class NoteForm(forms.Form):
    text = forms.CharField(
        label="Note", max_length=2000, widget=forms.Textarea(attrs={"rows": 4, "autofocus": True}),
        help_text="Shown on the return's timeline to everyone who works on it; the customer never sees it.",
    )


class TrackingForm(forms.Form):
    carrier = forms.CharField(max_length=60, widget=forms.TextInput(attrs={"autofocus": True}))
    tracking_number = forms.CharField(max_length=100)


class ReceiptForm(forms.Form):
    document = ReceiptField(
        label="Receipt document",
        help_text="The customer's receipt: a PDF, or a photo of it (JPEG, PNG or WebP).",
    )


class CustomerToldForm(forms.Form):
    note = forms.CharField(
        label="How was the customer told?", max_length=2000, required=False,
        widget=forms.Textarea(attrs={"rows": 3, "autofocus": True}),
        help_text="E.g. phoned, emailed, what was agreed. Shown on the return's timeline.",
    )


class CorrectionForm(forms.Form):
    amount = forms.DecimalField(
        label="Pay the customer this much more", max_digits=12, decimal_places=3,
        widget=forms.NumberInput(attrs={"autofocus": True, "step": "any"}),
        help_text="In the order's currency, with its decimals. Never more than the order has left to refund.",
    )
    reason = forms.CharField(
        label="Why", max_length=corrections.LONGEST_REASON, widget=forms.Textarea(attrs={"rows": 3}),
        help_text="E.g. a unit found later in the warehouse, a price entered wrong. Finance's approvers read it.",
    )


Availability = Callable[[ReturnRequest], bool]


def transition_allowed(transition: str) -> Availability:
    """Offered when the return's state machine allows this transition now."""
    return lambda rma: can_proceed(getattr(rma, transition))


def in_states(states: list[str]) -> Availability:
    """Offered in these states: for an action that changes the return without a transition."""
    return lambda rma: rma.state in states


def authorization_may_pass(rma: ReturnRequest) -> bool:
    """Authorize is offered unless its last attempt failed for the same rules and nothing changed since."""
    if not can_proceed(rma.authorize):
        return False
    review = rma_selectors.policy_review(rma=rma)
    return review is None or not review.unchanged_since_refusal


def customer_to_tell(rma: ReturnRequest) -> bool:
    return rma.state == ReturnState.CLOSED and not rma_selectors.customer_was_told(rma=rma)


def current_tracking(rma: ReturnRequest) -> dict:
    """The carrier and tracking number the return already has (the label's, or the customer's), to confirm."""
    return {"carrier": rma.carrier, "tracking_number": rma.tracking_number}


@dataclass(frozen=True)
class ReturnAction:
    name: str
    label: str
    permission: str
    available: Availability
    run: Callable[[ReturnRequest, AbstractBaseUser, dict], object]
    form_class: type[forms.Form] | None = None
    dangerous: bool = False
    done: str = ""  # what the user is told on success, when "<label>: done." reads wrong
    initial: Callable[[ReturnRequest], dict] | None = None  # the form's values taken from the return

    def offered_to(self, user: AbstractBaseUser, rma: ReturnRequest) -> bool:
        return user.has_perm(self.permission) and self.available(rma)


def _receive(rma: ReturnRequest, user: AbstractBaseUser, data: dict) -> object:
    return rma_services.receive_scan(code=rma.ran, actor=user)


ACTIONS = [
    ReturnAction("authorize", "Authorize", "rma.authorize_return", authorization_may_pass,
                 lambda rma, user, data: rma_services.authorize_return(rma=rma, actor=user)),
    ReturnAction("override", "Authorize despite policy", "rma.override_policy", transition_allowed("authorize"),
                 lambda rma, user, data: rma_services.authorize_return(
                     rma=rma, actor=user, override_reason=data["reason"]), OverrideForm),
    ReturnAction("reject", "Reject", "rma.reject_return", transition_allowed("reject"),
                 lambda rma, user, data: rma_services.reject_return(rma=rma, actor=user, reason=data["reason"]),
                 RejectForm, dangerous=True),
    ReturnAction("attach-receipt", "Attach receipt", "rma.create_return", in_states([ReturnState.REQUESTED]),
                 lambda rma, user, data: rma_services.attach_receipt(rma=rma, actor=user, document=data["document"]),
                 ReceiptForm, done="Receipt attached: the request may be authorized again."),
    ReturnAction("ship", "Mark in transit", "rma.set_tracking", transition_allowed("ship"),
                 lambda rma, user, data: rma_services.mark_in_transit(rma=rma, actor=user, **data), TrackingForm,
                 initial=current_tracking),
    ReturnAction("set-tracking", "Set tracking", "rma.set_tracking", in_states(AWAITING_PARCEL),
                 lambda rma, user, data: rma_services.set_tracking(rma=rma, actor=user, **data), TrackingForm,
                 initial=current_tracking),
    ReturnAction("receive", "Receive at dock", "rma.receive_return", transition_allowed("receive"), _receive),
    ReturnAction("receive-expired", "Receive despite expired RAN", "rma.receive_expired",
                 transition_allowed("receive_expired"),
                 lambda rma, user, data: rma_services.receive_expired(rma=rma, actor=user, reason=data["reason"]),
                 ReasonForm),
    ReturnAction("cancel", "Cancel", "rma.cancel_return", transition_allowed("cancel"),
                 lambda rma, user, data: rma_services.cancel_return(rma=rma, actor=user, reason=data["reason"]),
                 ReasonForm, dangerous=True),
    ReturnAction("customer-told", "Customer told", "rma.notify_customer", customer_to_tell,
                 lambda rma, user, data: rma_services.mark_customer_notified(rma=rma, actor=user, note=data["note"]),
                 CustomerToldForm, done="Recorded: the customer was told. The return leaves the queue."),
    ReturnAction("correct-refund", "Correct the refund", "refunds.correct_refund", in_states([ReturnState.REFUNDED]),
                 lambda rma, user, data: corrections.correct_refund(rma=rma, actor=user, **data), CorrectionForm,
                 done="Correction proposed: it waits for approval in the refunds queue, like any refund."),
    ReturnAction("note", "Add a note", "rma.add_note", lambda rma: True,
                 lambda rma, user, data: rma_services.add_note(rma=rma, actor=user, text=data["text"]), NoteForm,
                 done="Note added to the timeline."),
]
ACTIONS_BY_NAME = {action.name: action for action in ACTIONS}


@dataclass(frozen=True)
class StageLink:
    label: str
    url: str


def offered_actions(*, user: AbstractBaseUser, rma: ReturnRequest) -> list[ReturnAction]:
    return [action for action in ACTIONS if action.offered_to(user, rma)]


def stage_links(*, user: AbstractBaseUser, rma: ReturnRequest, refund_id: int | None) -> list[StageLink]:
    """Where the work on this return continues, for the people who do it."""
    links = []
    if rma.state == ReturnState.RECEIVED and user.has_perm("inspection.record_inspection"):
        links.append(StageLink("Inspect units", reverse("admin:inspection_station_return", args=[rma.pk])))
    if rma.state == ReturnState.INSPECTED and user.has_perm("disposition.confirm_disposition"):
        links.append(StageLink("Confirm dispositions", reverse("admin:inspection_station_dispositions",
                                                               args=[rma.pk])))
    if refund_id and user.has_perm("refunds.view_refund"):
        links.append(StageLink("Open the refund", reverse("admin:refunds_refund_change", args=[refund_id])))
    return links
