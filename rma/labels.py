"""Return labels: the 4×6 inch label with the RAN as Code128, and the packing slip that goes in the parcel.

PDF for 4×6 thermal printers and for A4 and Letter office printers (the 4×6 label placed on the
page to cut out), ZPL for Zebra printers, and an SVG of the barcode for screens. The PDF's barcode
is reportlab's own vector Code128, with bars a whole number of printer dots wide: a stretched
bitmap smears at 203 dpi and stops scanning.

Load the returns with rma.selectors.returns_for_labels: a label reads the client, the warehouse the
return was routed to, the customer, the order, the policy and every unit.
"""

import functools
import io
import math
import re
from collections.abc import Iterable
from dataclasses import dataclass

from barcode import Code128 as ScreenCode128
from barcode.writer import SVGWriter
from django.utils.safestring import SafeString, mark_safe
from reportlab import rl_config
from reportlab.graphics.barcode.code128 import Code128
from reportlab.lib.pagesizes import A4, LETTER
from reportlab.lib.units import inch
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfgen.canvas import Canvas

from core.money import format_money, quantize
from core.pdf_fonts import PdfFonts, pdf_fonts
from core.words import counted
from rma import ran as ran_codes
from rma import selectors
from rma.models import ReturnRequest

LABEL_SIZE = (4 * inch, 6 * inch)
PDF_PAPERS = {"4x6": LABEL_SIZE, "a4": A4, "letter": LETTER}


@dataclass(frozen=True)
class Printer:
    """The dot grid a label's bars are drawn on, and its narrowest bar (the module), in points."""

    dpi: int
    module: float


# Thermal label printers: 203 dpi, a module of 3 dots (0.015 in), so every bar and space is whole dots
# wide; the 4×6 label leaves 40 modules blank either side of the longest RAN.
THERMAL = Printer(dpi=203, module=3 * inch / 203)
# Office printers (A4, Letter) may print at 150 dpi, and a phone or flatbed may read the page at 110:
# 0.02 in is 3 dots at 150 (6 at 300, 12 at 600) and over 2 pixels at 110, where the thermal module
# smears into its neighbours. The longest RAN is then 3.78 in, so the label's edges are its quiet zone.
OFFICE = Printer(dpi=150, module=0.02 * inch)
BAR_HEIGHT = inch
# Where home printers take US Letter (CLDR's paperSize "US-Letter" territories); A4 everywhere else.
LETTER_COUNTRIES = frozenset({"BZ", "CA", "CL", "CO", "CR", "GT", "MX", "NI", "PA", "PH", "PR", "SV", "US", "VE"})

STANDARD_ADVICE = "Include every accessory, manual and cable, in the original packaging if you still have it."

MARGIN = 12
# Line breaks and other control characters: a label line is one line, and ZPL must see none.
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")


@dataclass(frozen=True)
class SlipLine:
    quantity: int
    sku: str
    description: str
    reason: str


@dataclass(frozen=True)
class ReturnLabel:
    """What a label and its packing slip say, read once from the return for every format."""

    ran: str
    client: str
    ship_to: list[str]  # the name of the warehouse the return was routed to, then its address
    ship_from: list[str]  # the customer's name, then their address
    order_number: str
    units: int
    carrier: str
    tracking_number: str
    validity: str  # "Valid until …", or since when the RAN is expired, in the client's time zone
    expired: bool
    slip_lines: list[SlipLine]
    packing_advice: list[str]
    return_shipping: str


def home_paper(rma: ReturnRequest) -> str:
    """The paper a printer at the customer's home takes, by the country the parcel is sent from."""
    return "letter" if rma.ship_from().country.strip().upper() in LETTER_COUNTRIES else "a4"


def label_of(rma: ReturnRequest) -> ReturnLabel:
    """The label of a return that has a RAN (and so an expiry and a warehouse), loaded by returns_for_labels."""
    items = list(rma.items.all())
    customer = rma.customer
    validity = selectors.ran_validity(rma=rma)
    at = validity.at.astimezone(rma.client.zone)
    return ReturnLabel(
        ran=rma.ran,
        client=rma.client.name,
        ship_to=[rma.warehouse.name, *rma.warehouse.address_lines()],
        ship_from=[customer.name or customer.email, *rma.ship_from().address_lines()],
        order_number=rma.order.number,
        units=len(items),
        carrier=rma.carrier,
        tracking_number=rma.tracking_number,
        validity=f"{'RAN expired' if validity.expired else 'Valid until'} {at:%Y-%m-%d %H:%M} {at.tzname()}",
        expired=validity.expired,
        slip_lines=_slip_lines(items),
        packing_advice=[*_lines(rma.policy.packing_instructions), STANDARD_ADVICE],
        return_shipping=_return_shipping_note(rma, items),
    )


def _slip_lines(items: list) -> list[SlipLine]:
    """One line per order line and reason, with the number of units, in unit order."""
    groups: dict[tuple[int, str], list] = {}
    for item in items:
        groups.setdefault((item.order_line_id, item.reason), []).append(item)
    return [
        SlipLine(len(units), units[0].order_line.sku, units[0].order_line.description, units[0].get_reason_display())
        for units in groups.values()
    ]


def _lines(text: str) -> list[str]:
    return [line.strip() for line in text.splitlines() if line.strip()]


def _return_shipping_note(rma: ReturnRequest, items: list) -> str:
    """Who pays the parcel back: the customer when every unit's reason is one the policy charges a fee
    for (as the refund counts it), and the fee is not nil; otherwise the client."""
    policy, currency = rma.policy, rma.order.currency
    fee = quantize(policy.return_shipping_fee, currency)
    customer_pays = bool(items) and all(item.reason in policy.customer_pays_shipping_reasons for item in items)
    if customer_pays and fee > 0:
        return f"Return shipping is paid by you: {format_money(fee, currency)} will be deducted from your refund."
    return f"Return shipping is prepaid by {rma.client.name}."


# -- PDF -------------------------------------------------------------------------------------------

# Page streams zlib-compressed as they are, not written out again as ASCII85 text: a fifth smaller, and
# reportlab's ASCII85 encoder (pure Python here) took a tenth of a label's time. Process-wide, for every
# PDF the site makes; every PDF reader takes binary streams.
rl_config.useA85 = 0


def render_labels_pdf(returns: Iterable[ReturnRequest], *, paper: str = "4x6", packing_slips: bool = False) -> bytes:
    """One PDF for many returns, in the order given: each return's label page, followed by its packing
    slip when `packing_slips` (the slip goes inside the parcel, for whoever packs it)."""
    page = PDF_PAPERS[paper]
    printer = THERMAL if page == LABEL_SIZE else OFFICE
    buffer = io.BytesIO()
    # The initial font too, or every page names Helvetica, which is never embedded.
    pdf = Canvas(buffer, pagesize=page, pageCompression=1, initialFontName=pdf_fonts().regular)
    pdf.setTitle("Return labels")
    forms = _Forms(pdf)
    for rma in returns:
        label = label_of(rma)
        if page == LABEL_SIZE:
            _draw_label(pdf, label, printer, forms)
        else:
            _draw_label_to_cut_out(pdf, label, page, forms, with_slip=packing_slips)
        pdf.showPage()
        if packing_slips:
            _draw_packing_slip(pdf, label, page, printer)
            pdf.showPage()
    pdf.save()
    return buffer.getvalue()


class _Forms:
    """What many labels of one PDF share, drawn once each as a form (a PDF Form XObject) that every page
    then places: the label's frame, and the heading and ship-to block of each client and warehouse."""

    def __init__(self, pdf: Canvas) -> None:
        self.pdf = pdf
        self.names: dict[tuple, str] = {}

    def place(self, key: tuple, draw) -> None:
        name = self.names.get(key)
        if name is None:
            name = self.names[key] = f"LabelPart{len(self.names)}"
            self.pdf.beginForm(name, 0, 0, *LABEL_SIZE)
            draw(self.pdf)
            self.pdf.endForm()
        self.pdf.doForm(name)


@dataclass(frozen=True)
class _Run:
    font: str
    size: float
    x: float  # from the line's start
    text: str


@functools.lru_cache(maxsize=4096)
def _line_runs(fonts: PdfFonts, text: str, *, width: float, bold: bool, size: float,
               align: str) -> tuple[_Run, ...]:
    """How one line is set: the type shrunk to fit `width` (down to 6 pt, then the end cut off), and each
    run of letters in the font that has them (core.pdf_fonts). Cached: labels repeat most of their lines."""
    text = _CONTROL.sub(" ", text)
    natural = fonts.width(text, size, bold=bold)
    if natural > width:
        # Down to a tenth of a point: the exact ratio can come out a hair too wide and cut a RAN short.
        size = max(6, math.floor(size * width / natural * 10) / 10)
        while len(text) > 1 and fonts.width(text, size, bold=bold) > width:
            text = text[:-2] + "…"
    runs = fonts.runs(text, bold=bold)
    widths = [pdfmetrics.stringWidth(part, font, size) for font, part in runs]
    x = 0.0
    if align != "left":
        room = width - sum(widths)
        x = room / 2 if align == "center" else room
    placed = []
    for (font, part), part_width in zip(runs, widths, strict=True):
        placed.append(_Run(font, size, x, part))
        x += part_width
    return tuple(placed)


def _text(pdf: Canvas, text: str, x: float, y: float, *, width: float, bold: bool = False, size: float = 9,
          align: str = "left") -> None:
    """One line that never runs past `width`: the type shrinks to 6 pt, then the end is cut off."""
    for run in _line_runs(pdf_fonts(), text, width=width, bold=bold, size=size, align=align):
        pdf.setFont(run.font, run.size)
        pdf.drawString(x + run.x, y, run.text)


def _rule(pdf: Canvas, y: float, x0: float, x1: float) -> None:
    pdf.setLineWidth(0.8)
    pdf.line(x0, y, x1, y)


def _on_dot_grid(points: float, printer: Printer) -> float:
    """The nearest whole printer dot. A bar edge between two dots prints a dot too wide or too narrow, and
    with every edge half a dot off the symbol does not scan at all."""
    dot = inch / printer.dpi
    return round(points / dot) * dot


def _draw_ran_barcode(pdf: Canvas, ran: str, printer: Printer, *, centre_x: float, y: float,
                      bar_height: float = BAR_HEIGHT) -> None:
    """Code128 of the RAN, centred on `centre_x`, with the space either side left blank as its quiet zone.

    Callers keep their origin on the printer's dot grid, so every bar starts on a dot. The bars are one
    path in a space scaled to the module and the bar height, so each is whole numbers (x 0 width 1 re),
    written as they are: reportlab's general number formatting of four numbers per bar was most of the
    label's drawing time."""
    bars, modules = _code128_bars(ran)
    left = _on_dot_grid(centre_x - modules * printer.module / 2, printer)
    path = " ".join(f"{x} 0 {width} 1 re" for x, width in bars)
    pdf.addLiteral(f"q {printer.module:.6f} 0 0 {bar_height:.4f} {left:.4f} {y:.4f} cm {path} f Q")


@functools.lru_cache(maxsize=1024)
def _code128_bars(ran: str) -> tuple[tuple[tuple[int, int], ...], int]:
    """The bars of the RAN's Code128 (reportlab's encoding) as (start, width) in modules, and its width."""
    symbol = Code128(ran, quiet=0, humanReadable=0)
    symbol.validate()
    symbol.encode()
    symbol.decompose()
    bars, x = [], 0
    # reportlab spells the symbol as letters: upper case a bar, lower case a space, A or a one module wide.
    for letter in symbol.decomposed:
        width = ord(letter.lower()) - ord("a") + 1
        if letter.isupper():
            bars.append((x, width))
        x += width
    return tuple(bars), x


def _draw_label(pdf: Canvas, label: ReturnLabel, printer: Printer, forms: _Forms) -> None:
    """The 4×6 inch label, drawn from the origin: the sender on top, the warehouse, the RAN, the facts.

    The frame, and the client's and warehouse's block, are forms drawn once per PDF."""
    width, _ = LABEL_SIZE
    inner = width - 2 * MARGIN
    forms.place(("frame",), _draw_label_frame)
    forms.place(("ship to", label.client, *label.ship_to), lambda pdf: _draw_ship_to(pdf, label))

    top = LABEL_SIZE[1] - MARGIN
    name, *address = label.ship_from
    _text(pdf, name, MARGIN, top - 49, width=inner, bold=True, size=10)
    for row, line in enumerate(address[:5]):
        _text(pdf, line, MARGIN, top - 60 - 11 * row, width=inner, size=9)

    _draw_ran_barcode(pdf, label.ran, printer, centre_x=width / 2, y=104)
    _text(pdf, label.ran, MARGIN, 80, width=inner, bold=True, size=24, align="center")

    half = inner / 2
    rows = [
        (f"Client: {label.client}", f"Order: {label.order_number}"),
        (f"Units: {label.units}", label.validity),
    ]
    if label.carrier or label.tracking_number:
        rows.append((f"Carrier: {label.carrier or '–'}", f"Tracking: {label.tracking_number or '–'}"))
    for row, (left, right) in enumerate(rows):
        y = 58 - 12 * row
        _text(pdf, left, MARGIN, y, width=half - 4)
        _text(pdf, right, MARGIN + half, y, width=half, bold=label.expired and right == label.validity)


def _draw_label_frame(pdf: Canvas) -> None:
    """What every label has: its heading, the headings of its blocks and the rules between them."""
    width, height = LABEL_SIZE
    inner, top = width - 2 * MARGIN, height - MARGIN
    _text(pdf, "RETURN", MARGIN, top - 18, width=inner / 2, bold=True, size=20)
    _text(pdf, "FROM", MARGIN, top - 37, width=inner, size=7)
    _text(pdf, "SHIP TO", MARGIN, 289, width=inner, size=7)
    for y in (top - 26, 300, 186, 70):
        _rule(pdf, y, MARGIN, width - MARGIN)


def _draw_ship_to(pdf: Canvas, label: ReturnLabel) -> None:
    """The client's name at the top and the warehouse the parcel goes to: the same on many labels."""
    inner = LABEL_SIZE[0] - 2 * MARGIN
    _text(pdf, label.client, MARGIN + inner / 2, LABEL_SIZE[1] - MARGIN - 16, width=inner / 2, bold=True, size=11,
          align="right")
    name, *address = label.ship_to
    _text(pdf, name, MARGIN, 273, width=inner, bold=True, size=14)
    for row, line in enumerate(address[:5]):
        _text(pdf, line, MARGIN, 258 - 14 * row, width=inner, bold=True, size=12)


def _draw_label_to_cut_out(pdf: Canvas, label: ReturnLabel, page: tuple[float, float], forms: _Forms, *,
                           with_slip: bool) -> None:
    """The 4×6 label at the top of an office page, with a dashed line to cut along."""
    page_width, page_height = page
    x, y = _on_dot_grid((page_width - LABEL_SIZE[0]) / 2, OFFICE), page_height - 0.75 * inch - LABEL_SIZE[1]
    pdf.saveState()
    pdf.translate(x, y)
    _draw_label(pdf, label, OFFICE, forms)
    pdf.setDash(4, 3)
    pdf.setLineWidth(0.5)
    pdf.rect(0, 0, *LABEL_SIZE)
    pdf.restoreState()
    advice = ["Cut along the dashed line and tape the label flat on the largest side of the parcel,",
              "over any old label. Put the packing slip (next page) inside the parcel." if with_slip
              else "over any old label."]
    for row, line in enumerate(advice):
        _text(pdf, line, x, y - 18 - 11 * row, width=LABEL_SIZE[0], size=8)


def _draw_packing_slip(pdf: Canvas, label: ReturnLabel, page: tuple[float, float], printer: Printer) -> None:
    """What the parcel should hold and how to pack it, to go inside; its barcode serves if the label is lost."""
    page_width, page_height = page
    margin = MARGIN if page == LABEL_SIZE else 0.75 * inch
    left, inner = margin, page_width - 2 * margin
    y = page_height - margin - 14
    _text(pdf, "PACKING SLIP", left, y, width=inner / 2, bold=True, size=14)
    _text(pdf, label.ran, left + inner / 2, y, width=inner / 2, bold=True, size=14, align="right")
    y -= 13
    _text(pdf, "Put this slip inside the parcel.", left, y, width=inner, size=8)
    for line in (f"Client: {label.client}", f"Order: {label.order_number}", f"From: {label.ship_from[0]}"):
        y -= 12
        _text(pdf, line, left, y, width=inner)

    footer = _slip_footer(label, inner)
    footer_top = margin + 52 + 10 * len(footer)
    _draw_slip_table(pdf, label, left=left, width=inner, top=y - 18, bottom=footer_top + 6)
    for row, (bold, line) in enumerate(footer):
        _text(pdf, line, left, footer_top - 10 * row, width=inner, bold=bold, size=8)
    _draw_ran_barcode(pdf, label.ran, printer, centre_x=page_width / 2, y=margin, bar_height=36)


def _slip_footer(label: ReturnLabel, width: float) -> list[tuple[bool, str]]:
    """Packing advice and who pays shipping, wrapped to the slip, as (bold, line); at most 14 lines, the
    shipping line always."""
    fonts = pdf_fonts()
    lines = [(True, "How to pack")]
    for advice in label.packing_advice:
        first, *rest = fonts.wrap(advice, 8, width - 8)
        lines += [(False, f"• {first}"), *((False, f"   {part}") for part in rest)]
    shipping = [(True, part) for part in fonts.wrap(label.return_shipping, 8, width, bold=True)]
    return lines[: 14 - len(shipping)] + shipping


def _draw_slip_table(pdf: Canvas, label: ReturnLabel, *, left: float, width: float, top: float,
                     bottom: float) -> None:
    """Quantity, SKU, description and reason per line; what does not fit is counted, never drawn over."""
    columns = [(0.08, "Qty"), (0.25, "SKU"), (0.42, "Description"), (0.25, "Reason")]
    xs, x = [], left
    for share, _ in columns:
        xs.append((x, share * width - 4))
        x += share * width
    y = top
    for (column_x, column_width), (_, title) in zip(xs, columns, strict=True):
        _text(pdf, title, column_x, y, width=column_width, bold=True, size=8)
    _rule(pdf, y - 3, left, left + width)
    fits = max(int((y - bottom) // 11) - 1, 1)
    shown = label.slip_lines if len(label.slip_lines) <= fits else label.slip_lines[: fits - 1]
    for line in shown:
        y -= 11
        cells = (str(line.quantity), line.sku, line.description, line.reason)
        for (column_x, column_width), cell in zip(xs, cells, strict=True):
            _text(pdf, cell, column_x, y, width=column_width, size=8)
    hidden = label.slip_lines[len(shown):]
    if hidden:
        y -= 11
        units = sum(line.quantity for line in hidden)
        _text(pdf, f"… and {counted(len(hidden), 'more line')}, {counted(units, 'unit')}", left, y, width=width, size=8)


# -- ZPL -------------------------------------------------------------------------------------------

ZPL_WIDTH, ZPL_HEIGHT = 812, 1218  # 4×6 inch at 203 dpi


def _zpl_field(text: str) -> str:
    """Text safe in a ^FH field: control characters as spaces; ^, ~ and _ in hex, so none can start a command."""
    return _CONTROL.sub(" ", text).replace("_", "_5F").replace("^", "_5E").replace("~", "_7E")


def render_label_zpl(rma: ReturnRequest) -> str:
    """The same label for Zebra printers: 203 dpi, 812 × 1218 dots, UTF-8 text, the RAN as ^BC Code128."""
    label = label_of(rma)
    fields: list[str] = []

    def text(x: int, y: int, size: int, value: str, *, width: int = ZPL_WIDTH - 60, align: str = "L") -> None:
        # One line per ^FB block; cut to what fits first, as ZPL would print an overflow over itself.
        fits = int(width / (0.62 * size))
        value = value if len(value) <= fits else value[: fits - 1] + "…"
        fields.append(f"^FO{x},{y}^A0N,{size},{size}^FB{width},1,0,{align}^FH^FD{_zpl_field(value)}^FS")

    def rule(y: int) -> None:
        fields.append(f"^FO30,{y}^GB{ZPL_WIDTH - 60},3,3^FS")

    text(30, 30, 56, "RETURN", width=300)
    text(330, 42, 32, label.client, width=452, align="R")
    rule(100)
    text(30, 115, 22, "FROM")
    name, *address = label.ship_from
    text(30, 142, 30, name)
    for row, line in enumerate(address[:5]):
        text(30, 178 + 30 * row, 26, line)
    rule(335)
    text(30, 350, 22, "SHIP TO")
    name, *address = label.ship_to
    text(30, 378, 42, name)
    for row, line in enumerate(address[:5]):
        text(30, 428 + 40 * row, 36, line)
    rule(640)
    # Module 3 dots, as on the PDF: a RAN is at most 189 modules (567 dots), so x=110 leaves 30+ dots each side.
    fields.append(f"^FO110,670^BY3^BCN,203,N,N,N^FD{label.ran}^FS")
    text(0, 890, 64, label.ran, width=ZPL_WIDTH, align="C")
    rule(975)
    rows = [f"Client: {label.client}", f"Order: {label.order_number} · Units: {label.units}",
            label.validity]
    if label.carrier or label.tracking_number:
        rows.append(f"Carrier: {label.carrier or '–'} · Tracking: {label.tracking_number or '–'}")
    for row, line in enumerate(rows):
        text(30, 995 + 52 * row, 32, line)
    body = "\n".join(fields)
    return f"^XA\n^CI28\n^PW{ZPL_WIDTH}\n^LL{ZPL_HEIGHT}\n^LH0,0\n{body}\n^XZ\n"


# -- the screen's preview --------------------------------------------------------------------------


def ran_barcode_svg(ran: str) -> SafeString:
    """Code128 of the RAN as an inline <svg> element, made in memory, safe to put in a page as it is.

    Only a well-formed RAN is drawn, and without text, so the markup holds nothing but bars.
    """
    if ran_codes.parse_ran(ran) != ran:
        raise ValueError(f"{ran!r} is not a printed RAN")
    buffer = io.BytesIO()
    ScreenCode128(ran, writer=SVGWriter()).write(
        buffer, options={"write_text": False, "module_width": 0.3, "module_height": 15, "quiet_zone": 3}
    )
    svg = buffer.getvalue().decode()
    # Bars only, from a RAN checked above to be well formed: nothing a person typed reaches the markup.
    return mark_safe(svg[svg.index("<svg"):])  # nosec B308, B703  # nosemgrep: mark-safe-on-data
