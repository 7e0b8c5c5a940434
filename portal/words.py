"""What the portal says to customers about reasons, refund methods and where their return is, in their words."""

from django.utils.translation import gettext_lazy as _

from rma.models import Reason, RefundMethod, ReturnState

REASONS = {
    Reason.DEFECTIVE: _("It is faulty"),
    Reason.DAMAGED_IN_TRANSIT: _("It arrived damaged"),
    Reason.WRONG_ITEM: _("I received the wrong item"),
    Reason.NOT_AS_DESCRIBED: _("It is not as described"),
    Reason.CHANGED_MIND: _("I changed my mind"),
    Reason.SIZE_FIT: _("It does not fit"),
    Reason.ARRIVED_LATE: _("It arrived too late"),
    Reason.OTHER: _("Another reason"),
}

# The reasons that claim damage: the customer shows it with a photo.
NEEDS_PHOTO = frozenset({Reason.DAMAGED_IN_TRANSIT})

REFUND_METHODS = {
    RefundMethod.ORIGINAL_PAYMENT: _("Refund to the way I paid"),
    RefundMethod.STORE_CREDIT: _("Store credit"),
    RefundMethod.GIFT_CARD: _("A gift card"),
    RefundMethod.EXCHANGE: _("Exchange for another item"),
}

# Why a line cannot be returned (rma.policy.line_standing's refusals).
REFUSALS = {
    "return_window": _("The return window ended on %(date)s."),
    "final_sale": _("It was a final sale item."),
    "already_returned": _("Already returned."),
}

# Where the return is: a heading and what it means for the customer.
STATES = {
    ReturnState.REQUESTED: (_("We are reviewing your request"), _(
        "Our customer service is checking your request. We will email you as soon as it is decided.")),
    ReturnState.AUTHORIZED: (_("Approved: please send your parcel"), _(
        "Print the label, pack the items and hand the parcel to the carrier.")),
    ReturnState.IN_TRANSIT: (_("Your parcel is on its way to us"), _(
        "The carrier is bringing your parcel to our returns centre.")),
    ReturnState.RECEIVED: (_("We have received your parcel"), _(
        "Your parcel has arrived at our returns centre. We are checking the items.")),
    ReturnState.INSPECTED: (_("We have checked your items"), _(
        "Your items have been checked. Your refund is being prepared.")),
    ReturnState.DISPOSITIONED: (_("Your refund is being prepared"), _(
        "We will email you as soon as your refund is issued.")),
    ReturnState.REFUNDED: (_("Refunded"), _("Your refund has been issued. We have emailed you the details.")),
    ReturnState.REJECTED: (_("We could not accept this return"), _("Reason given by our customer service:")),
    ReturnState.CANCELLED: (_("Cancelled"), _("This return was cancelled. Nothing more needs to be done.")),
    ReturnState.EXPIRED: (_("The return number has expired"), _(
        "The parcel was not sent in time. Please contact customer service if you still want to return it.")),
    ReturnState.CLOSED: (_("Closed"), _("This return is closed. Customer service will contact you if needed.")),
}
