"""Nothing closes silently: a denied refund or a parcel with none of its units waits in customer service's
queue, with the reason, until someone has told the customer."""

import pytest
from django.urls import reverse

from backoffice import selectors
from core.errors import DomainError, PermissionRefused, TransitionRefused
from refunds import services as refund_services
from rma import services as rma_services
from rma.lists import ListQuery
from rma.models import ReturnState
from tests.factories import return_in_state

QUEUE = ListQuery(filters={"to_tell": "yes"})


def denied(staff, reason: str = "Worn and washed"):
    rma = return_in_state(ReturnState.DISPOSITIONED, staff=staff, units=1)
    refund_services.deny_refund(refund=rma.refunds.get(), actor=staff.finance, reason=reason)
    return rma


def queue(staff) -> list:
    return list(selectors.returns_list(viewer=staff.customer_service, query=QUEUE))


def test_a_denied_refund_and_an_empty_parcel_wait_to_be_told_and_nothing_else_does(staff):
    refused = denied(staff)
    empty = return_in_state(ReturnState.CLOSED, staff=staff)  # every unit missing
    return_in_state(ReturnState.REFUNDED, staff=staff)
    return_in_state(ReturnState.REJECTED, staff=staff)

    assert set(queue(staff)) == {refused, empty}
    assert selectors.dashboard().customers_to_tell == 2


def test_marking_the_customer_told_records_an_event_and_empties_the_queue(staff):
    rma = denied(staff)

    rma_services.mark_customer_notified(rma=rma, actor=staff.customer_service, note="Phoned, she agreed")

    assert queue(staff) == []
    event = rma.events.get(action="customer_notified")
    assert (event.actor, event.note, event.to_state) == (staff.customer_service, "Phoned, she agreed", "closed")
    assert event.details == {"closed_because": "Refund denied: Worn and washed"}


def test_a_customer_is_told_once(staff):
    rma = denied(staff)
    rma_services.mark_customer_notified(rma=rma, actor=staff.customer_service)

    with pytest.raises(DomainError, match="already told"):
        rma_services.mark_customer_notified(rma=rma, actor=staff.customer_service)


def test_a_return_still_open_has_nobody_to_tell(staff):
    rma = return_in_state(ReturnState.RECEIVED, staff=staff)

    with pytest.raises(TransitionRefused):
        rma_services.mark_customer_notified(rma=rma, actor=staff.customer_service)


def test_only_customer_service_and_managers_mark_customers_told(staff):
    rma = denied(staff)

    with pytest.raises(PermissionRefused):
        rma_services.mark_customer_notified(rma=rma, actor=staff.finance)


def test_the_admin_queue_shows_why_each_return_closed_and_the_page_marks_it_done(client, staff):
    rma = denied(staff, reason="Scratched screen")
    empty = return_in_state(ReturnState.CLOSED, staff=staff)
    client.force_login(staff.customer_service)
    queue_url = reverse("admin:rma_returnrequest_changelist") + "?to_tell=yes"

    listed = client.get(queue_url).content.decode()
    client.post(reverse("admin:rma_returnrequest_act", args=[rma.pk, "customer-told"]), {"note": "Emailed"})
    after = client.get(queue_url).content.decode()

    assert "Why it closed" in listed and "Refund denied: Scratched screen" in listed
    assert empty.decision_reason and empty.decision_reason in listed
    assert "Scratched screen" not in after and empty.decision_reason in after
    assert rma.events.filter(action="customer_notified", note="Emailed").exists()


def test_the_dashboard_tile_counts_the_queue_and_links_to_it(client, staff):
    denied(staff)
    client.force_login(staff.customer_service)

    page = client.get(reverse("admin:index")).content.decode()

    assert 'id="customers-to-tell"' in page and "?to_tell=yes" in page
    tile = page[page.index('id="customers-to-tell"'):]
    assert '<span class="big">1</span>' in tile[:400]
