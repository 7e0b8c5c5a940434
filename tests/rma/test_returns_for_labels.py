"""returns_for_labels: the returns to print, in the order asked for, in a constant number of queries."""

import pytest

from rma import labels, selectors
from rma.models import ReturnState
from tests.factories import requested_return, return_in_state


def test_returns_come_in_the_order_of_the_pks_given_each_once(staff):
    first, second, third = (return_in_state(ReturnState.AUTHORIZED, staff=staff) for _ in range(3))

    loaded = selectors.returns_for_labels(pks=[third.pk, first.pk, third.pk, second.pk])

    assert [rma.pk for rma in loaded] == [third.pk, first.pk, second.pk]


def test_unknown_pks_are_left_out(staff):
    rma = requested_return(staff=staff)

    assert [found.pk for found in selectors.returns_for_labels(pks=[rma.pk + 1000, rma.pk])] == [rma.pk]


@pytest.mark.parametrize("returns", [1, 30])
def test_printing_labels_runs_two_queries_however_many_returns(staff, returns, django_assert_max_num_queries):
    pks = [return_in_state(ReturnState.IN_TRANSIT, staff=staff, units=3).pk for _ in range(returns)]

    with django_assert_max_num_queries(2):
        loaded = selectors.returns_for_labels(pks=pks)
        labels.render_labels_pdf(loaded)
        for rma in loaded:
            labels.render_label_zpl(rma)

    assert len(loaded) == returns
