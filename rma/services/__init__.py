"""Every way a return changes in the rma stage; each module is one part of the floor's work.

- requests: opening a return, authorizing it against the policy, rejecting, cancelling, expiring RANs
- shipping: carrier and tracking number, and the carrier's tracking events
- tracking_imports: a carrier's tracking file, checked holding no lock, then applied all or nothing
- receiving: the dock's scans
- dock_exceptions: unexpected parcels and extra units
- orders: client orders imported from their files, and a manager's correction of an order line
- order_lookup: finding an order by number, asking the client's system live for one never imported
- order_entry: one client order entered by the client's systems (the API), by the order file's rules
- notes: customer service's notes on a return
- customers: telling the customer why a return closed without refund
- reminders: warning customers whose authorization is about to expire
- policies: versioned return policies
- chargebacks: an order whose payment the customer's bank took back
- webhooks: a client's webhook URL, signing secrets and test event
- erasure: a customer's personal data erased on request, and closed returns' purged after retention

Each service checks the actor (core.actors), locks the return row, checks the state, changes it and
writes a ReturnEvent in one transaction, and returns the row fresh from the database. What the later
stages do to a return from inside their own services is in rma.later_stages, not here.
"""

from rma.services.chargebacks import mark_order_charged_back
from rma.services.customers import mark_customer_notified
from rma.services.dock_exceptions import (
    annotate_unexpected_parcel,
    record_extra_unit,
    resolve_extra_unit,
    resolve_unexpected_parcel,
)
from rma.services.erasure import erase_customer_personal_data, purge_personal_data
from rma.services.notes import add_note
from rma.services.order_entry import create_order
from rma.services.order_lookup import find_order
from rma.services.orders import correct_order_line, import_orders
from rma.services.policies import publish_policy_version
from rma.services.receiving import receive_expired, receive_scan
from rma.services.reminders import warn_of_expiring_authorizations
from rma.services.requests import (
    attach_receipt,
    authorize_return,
    cancel_return,
    create_return_request,
    expire_authorizations,
    reject_return,
)
from rma.services.shipping import mark_in_transit, record_carrier_event, set_tracking
from rma.services.tracking_imports import import_carrier_events
from rma.services.webhooks import (
    generate_webhook_secret,
    retire_previous_webhook_secret,
    secret_fingerprint,
    send_test_webhook,
)

__all__ = [
    "add_note",
    "annotate_unexpected_parcel",
    "attach_receipt",
    "authorize_return",
    "cancel_return",
    "correct_order_line",
    "create_order",
    "create_return_request",
    "erase_customer_personal_data",
    "expire_authorizations",
    "find_order",
    "generate_webhook_secret",
    "import_carrier_events",
    "import_orders",
    "mark_customer_notified",
    "mark_in_transit",
    "mark_order_charged_back",
    "publish_policy_version",
    "purge_personal_data",
    "receive_expired",
    "receive_scan",
    "record_carrier_event",
    "record_extra_unit",
    "reject_return",
    "resolve_extra_unit",
    "resolve_unexpected_parcel",
    "retire_previous_webhook_secret",
    "secret_fingerprint",
    "send_test_webhook",
    "set_tracking",
    "warn_of_expiring_authorizations",
]
