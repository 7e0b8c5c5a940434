"""The label's barcode scans: rendered at the thermal printer's 203 dpi, a real reader decodes the RAN.

Random RANs and ones full of look-alike symbols, on 4×6, A4 and Letter, on the label and on the
packing slip (which serves when the label is torn off). A4 and Letter also scan when an office
printer prints them at 150 dpi and a scanner reads them at 110.
"""

import random

import pytest

from rma import labels, selectors
from rma import ran as ran_codes
from rma.models import ReturnState
from tests.factories import return_in_state
from tests.tools import barcodes_on_pages


def ran_of(payload: str) -> str:
    return ran_codes.format_ran(payload + ran_codes.check_symbol(payload))


_draw = random.Random(203)
RANDOM_RANS = [ran_of("".join(_draw.choices(ran_codes.ALPHABET, k=8))) for _ in range(5)]
LOOK_ALIKE_RANS = [ran_of(payload) for payload in ("88888888", "8B8B8B8B", "0D0D0D0D", "MNMNMNMN", "20260101")]


@pytest.mark.parametrize("paper", ["4x6", "a4", "letter"])
@pytest.mark.parametrize("ran", RANDOM_RANS + LOOK_ALIKE_RANS)
def test_a_barcode_reader_decodes_the_ran_from_the_label_and_the_slip(staff, tmp_path, paper, ran):
    rma = selectors.returns_for_labels(pks=[return_in_state(ReturnState.AUTHORIZED, staff=staff).pk])[0]
    rma.ran = ran

    pdf = labels.render_labels_pdf([rma], paper=paper, packing_slips=True)
    label_page, slip_page = barcodes_on_pages(pdf, tmp_path)

    assert label_page == [ran]
    assert slip_page == [ran]


@pytest.mark.parametrize("paper", ["a4", "letter"])
@pytest.mark.parametrize("ran", RANDOM_RANS + LOOK_ALIKE_RANS)
def test_office_paper_printed_at_150_dpi_scans_at_110(staff, tmp_path, paper, ran):
    rma = selectors.returns_for_labels(pks=[return_in_state(ReturnState.AUTHORIZED, staff=staff).pk])[0]
    rma.ran = ran

    pdf = labels.render_labels_pdf([rma], paper=paper, packing_slips=True)
    label_page, slip_page = barcodes_on_pages(pdf, tmp_path, dpi=150, scan_dpi=110)

    assert label_page == [ran]
    assert slip_page == [ran]
