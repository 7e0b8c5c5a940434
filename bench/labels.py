"""Bulk label printing as the returns list's "Print labels" does it (rma.selectors.returns_for_labels, then
rma.labels.render_labels_pdf: a label and a packing slip per return), beside reportlab drawing bare pages of
one Code128 each: what the library itself costs per page."""

import io
import time

from reportlab.graphics.barcode.code128 import Code128
from reportlab.lib.units import inch
from reportlab.pdfgen.canvas import Canvas


def measure_labels(*, count: int) -> dict:
    """Labels per second of one PDF of `count` returns awaiting their parcel, loading included."""
    from rma import labels, selectors
    from rma.models import ReturnRequest
    from rma.states import AWAITING_PARCEL

    pks = list(ReturnRequest.objects.filter(state__in=AWAITING_PARCEL, ran__isnull=False)
               .order_by("pk").values_list("pk", flat=True)[:count])
    labels.render_labels_pdf(selectors.returns_for_labels(pks=pks[:1]))  # fonts loaded once per process
    started = time.perf_counter()
    pdf = labels.render_labels_pdf(selectors.returns_for_labels(pks=pks))
    seconds = time.perf_counter() - started
    bare = bare_barcode_pages(
        list(ReturnRequest.objects.filter(pk__in=pks).values_list("ran", flat=True))
    )
    return {"labels": len(pks), "seconds": seconds, "per_second": len(pks) / seconds, "pdf_bytes": len(pdf),
            "bare_pages_per_second": bare}


def bare_barcode_pages(codes: list[str]) -> float:
    """Pages per second of a 4×6 PDF with nothing but one reportlab Code128 per page."""
    started = time.perf_counter()
    pdf = Canvas(io.BytesIO(), pagesize=(4 * inch, 6 * inch), pageCompression=1)
    for code in codes:
        Code128(code, barHeight=inch, humanReadable=0).drawOn(pdf, 0.5 * inch, 3 * inch)
        pdf.showPage()
    pdf.save()
    return len(codes) / (time.perf_counter() - started)
