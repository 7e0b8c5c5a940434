"""A return's timeline on its page: the latest events, and the older ones a page at a time before them."""

import datetime as dt
import re

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone

from backoffice.selectors import EVENTS_PER_PAGE
from rma import services as rma_services
from rma.models import ReturnState
from tests.factories import return_in_state


def page_of(rma) -> str:
    return reverse("admin:rma_returnrequest_change", args=[rma.pk])


def shown_event_ids(html: str) -> list[int]:
    return [int(number) for number in re.findall(r'<li id="event-(\d+)"', html)]


def older_link(html: str) -> str | None:
    found = re.search(r'<p class="small" id="older-events"><a href="([^"]+)"', html)
    return found and found[1].replace("&amp;", "&")


@pytest.fixture
def busy_return(staff):
    """A return with 200 notes beyond its own events; 120 of them written in the same microsecond."""
    rma = return_in_state(ReturnState.AUTHORIZED, staff=staff)
    moment = timezone.now() + dt.timedelta(minutes=1)
    with time_machine.travel(moment, tick=False):  # ties on the time: only the id tells them apart
        for number in range(120):
            rma_services.add_note(rma=rma, actor=staff.customer_service, text=f"note {number}")
    with time_machine.travel(moment + dt.timedelta(minutes=1)):
        for number in range(120, 200):
            rma_services.add_note(rma=rma, actor=staff.customer_service, text=f"note {number}")
    return rma


def every_event_id(rma) -> list[int]:
    return list(rma.events.order_by("at", "id").values_list("id", flat=True))


def test_the_page_shows_the_latest_events_and_links_to_older_ones(client, staff, busy_return):
    client.force_login(staff.dock)

    html = client.get(page_of(busy_return)).content.decode()

    assert shown_event_ids(html) == every_event_id(busy_return)[-EVENTS_PER_PAGE:]
    assert "note 199" in html and "note 149" not in html
    assert older_link(html) is not None


def test_older_pages_walk_back_through_every_event_once_in_order(client, staff, busy_return):
    client.force_login(staff.customer_service)
    html = client.get(page_of(busy_return)).content.decode()
    pages = [shown_event_ids(html)]

    while (link := older_link(html)) is not None:
        response = client.get(link)
        assert response.status_code == 200
        html = response.content.decode()
        pages.append(shown_event_ids(html))

    every = every_event_id(busy_return)
    assert len(every) > 200
    assert [event for page in reversed(pages) for event in page] == every
    assert all(len(page) == EVENTS_PER_PAGE for page in pages[:-1]) and pages[-1]
    assert "Latest events" in html


def test_a_page_deep_in_the_timeline_costs_what_the_first_does(client, staff, busy_return,
                                                                 django_assert_max_num_queries):
    oldest_but_one = every_event_id(busy_return)[1]
    client.force_login(staff.manager)

    with django_assert_max_num_queries(8):
        response = client.get(reverse("admin:rma_returnrequest_timeline", args=[busy_return.pk]),
                              {"before": oldest_but_one})

    assert shown_event_ids(response.content.decode()) == every_event_id(busy_return)[:1]
    assert older_link(response.content.decode()) is None


@pytest.mark.parametrize("before", ["", "abc", "-1", "99999999999999999999999", "0"])
def test_a_bad_or_unknown_cursor_is_a_clear_400(client, staff, busy_return, before):
    client.force_login(staff.manager)

    response = client.get(reverse("admin:rma_returnrequest_timeline", args=[busy_return.pk]), {"before": before})

    assert response.status_code == 400 and b"before=" in response.content


def test_another_returns_event_is_no_cursor_here(client, staff, busy_return):
    other = return_in_state(ReturnState.AUTHORIZED, staff=staff)
    client.force_login(staff.manager)

    response = client.get(reverse("admin:rma_returnrequest_timeline", args=[busy_return.pk]),
                          {"before": other.events.first().pk})

    assert response.status_code == 400


def test_the_page_queries_do_not_grow_with_events(client, staff, busy_return, django_assert_max_num_queries):
    client.force_login(staff.manager)

    with django_assert_max_num_queries(16):
        assert client.get(page_of(busy_return)).status_code == 200
