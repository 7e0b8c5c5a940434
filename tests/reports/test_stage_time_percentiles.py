"""The time in each stage is the same whether the database computes its percentiles (PostgreSQL's
percentile_cont) or Python does from the fetched stamps (the SQLite fallback): both against a plain
reckoning of made stamps, to the second."""

import datetime as dt
import random

import pytest

from core.percentiles import percentile
from reports import selectors
from reports.selectors import STAGE_SPANS, ReportScope
from rma.models import ReturnRequest
from tests.factories import requested_return

START = dt.datetime(2026, 5, 1, tzinfo=dt.UTC)
MAY = ReportScope(dt.date(2026, 5, 1), dt.date(2026, 5, 31))
STAMPS = ["requested_at", "authorized_at", "in_transit_at", "received_at", "inspected_at", "dispositioned_at",
          "refunded_at", "closed_at"]


def made_stamps(rng: random.Random) -> dict:
    """A return's path with random times to the second: some stop early, some skip the carrier's scan,
    some close without refund."""
    stamps = dict.fromkeys(STAMPS)
    moment = START + dt.timedelta(seconds=rng.randrange(20 * 24 * 3600))
    stamps["requested_at"] = moment
    stops_after = rng.randrange(1, 8)
    for stamp in STAMPS[1:stops_after]:
        if stamp == "in_transit_at" and rng.random() < 0.3:
            continue
        moment += dt.timedelta(seconds=rng.randrange(1, 90 * 3600))
        stamps[stamp] = moment
    if stops_after == 7:
        ending = "refunded_at" if rng.random() < 0.7 else "closed_at"
        stamps[ending] = moment + dt.timedelta(seconds=rng.randrange(1, 48 * 3600))
    return stamps


@pytest.fixture
def made_returns(staff):
    rng = random.Random(13)
    paths = []
    for _ in range(23):
        rma = requested_return(staff=staff)
        stamps = made_stamps(rng)
        ReturnRequest.objects.filter(pk=rma.pk).update(**stamps)  # only the stamps the report reads
        paths.append(stamps)
    return paths


def reckoned_hours(paths: list[dict], entered: str, left: tuple[str, ...]) -> list[float]:
    hours = []
    for stamps in paths:
        end = next((stamps[stamp] for stamp in left if stamps[stamp] is not None), None)
        if stamps[entered] is not None and end is not None:
            hours.append((end - stamps[entered]).total_seconds() / 3600)
    return hours


def same_to_the_second(hours: float | None, expected: float | None) -> bool:
    if hours is None or expected is None:
        return hours is expected
    return abs(hours - expected) * 3600 < 1


def test_each_stages_median_and_90th_percentile_match_the_reckoning(made_returns):
    figures = selectors.report(scope=MAY)

    for (label, entered, left), row in zip(STAGE_SPANS, figures.stage_times, strict=True):
        expected = reckoned_hours(made_returns, entered, left)
        assert row.label == label
        assert row.returns == len(expected), label
        assert same_to_the_second(row.median_hours, percentile(expected, 0.5)), label
        assert same_to_the_second(row.p90_hours, percentile(expected, 0.9)), label
    assert any(row.returns > 5 for row in figures.stage_times)


def test_the_median_time_to_refund_matches_the_reckoning(made_returns):
    figures = selectors.report(scope=MAY)

    expected = reckoned_hours(made_returns, "requested_at", ("refunded_at",))
    assert expected
    assert same_to_the_second(figures.median_hours_to_refund, percentile(expected, 0.5))


def test_a_return_outside_the_period_counts_in_no_stage(made_returns):
    ReturnRequest.objects.update(requested_at=START - dt.timedelta(days=1))

    figures = selectors.report(scope=MAY)

    assert [row.returns for row in figures.stage_times] == [0] * len(STAGE_SPANS)
    assert figures.median_hours_to_refund is None
