"""Reminding customers: an authorized return whose RAN is about to run out, with no parcel seen yet,
gets one warning email (rma.customer_emails), so the customer can still send it or let it lapse.
"""

import datetime as dt

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from core.actors import Actor, SystemActor, require
from rma import customer_emails, selectors

EXPIRY_WARNING = SystemActor("warn_of_expiring_authorizations")


@transaction.atomic
def warn_of_expiring_authorizations(
    *, now: dt.datetime | None = None, within: dt.timedelta | None = None, actor: Actor = EXPIRY_WARNING,
) -> int:
    """Queue the expiry warning of every authorized return whose RAN ends within `within` of `now`
    (settings.RAN_EXPIRY_WARNING_DAYS by default); returns how many were queued. A return is warned
    once, however often this runs; one that expired already is expire_authorizations' to end.
    """
    actor = require(actor, "rma.warn_of_expiry", action="warn customers of expiring authorizations")
    now = now or timezone.now()
    within = dt.timedelta(days=settings.RAN_EXPIRY_WARNING_DAYS) if within is None else within
    queued = 0
    for rma in selectors.returns_expiring(now=now, until=now + within):
        if customer_emails.queue_email(rma=rma, kind=customer_emails.EXPIRING, actor=actor) is not None:
            queued += 1
    return queued
