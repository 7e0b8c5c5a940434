"""Counts, dates and times read the same way on every screen: "1 unit", "2 Dec 2026, 15:04 CET"."""

import datetime as dt

import pytest
from django.template import Context, Template

from core.forms import TagListField
from core.moments import format_day, format_moment
from core.words import counted
from inspection.models import DefectCategory
from refunds.models import RefundStatus
from rma.models import Reason, RefundMethod, ReturnState, ScanResult


@pytest.mark.parametrize(("count", "shown"), [(0, "0 units"), (1, "1 unit"), (2, "2 units")])
def test_a_count_takes_the_plural_unless_it_is_one(count, shown):
    assert counted(count, "unit") == shown


def test_an_irregular_plural_is_given():
    assert counted(3, "serial number mismatch", "serial number mismatches") == "3 serial number mismatches"


@pytest.mark.parametrize(("moment", "shown"), [
    (dt.datetime(2026, 12, 2, 14, 4, tzinfo=dt.UTC), "2 Dec 2026, 15:04 CET"),
    (dt.datetime(2026, 7, 3, 12, 0, tzinfo=dt.UTC), "3 Jul 2026, 14:00 CEST"),
])
def test_a_moment_is_shown_in_the_facilitys_zone_with_the_zone_named(settings, moment, shown):
    settings.TIME_ZONE = "Europe/Berlin"

    assert format_moment(moment) == shown
    assert Template("{% load backoffice %}{{ at|moment }}").render(Context({"at": moment})) == shown


def test_a_day_and_a_missing_moment(settings):
    settings.TIME_ZONE = "Europe/Berlin"

    assert format_day(dt.datetime(2026, 11, 30, 23, 30, tzinfo=dt.UTC)) == "1 Dec 2026"  # already 1 Dec in Berlin
    assert format_moment(None) == "–"


@pytest.mark.parametrize(("choices", "code", "label"), [
    (ScanResult, "wrong_state", "Wrong state"), (ReturnState, "in_transit", "In transit"),
    (Reason, "changed_mind", "Changed mind"), (RefundMethod, "original_payment", "Original payment"),
    (RefundStatus, "pending_approval", "Pending approval"), (DefectCategory, "water_damage", "Water damage"),
])
def test_choice_labels_are_sentences_not_title_case(choices, code, label):
    assert dict(choices.choices)[code] == label


def test_a_tag_list_is_split_on_commas_and_lines_trimmed_and_each_kept_once():
    assert TagListField().clean(" GC-50, GC-100\nGC-50\r\n\n gift cards ") == ["GC-50", "GC-100", "gift cards"]
    assert TagListField().clean("") == []
