"""The monthly client report as a PDF (reportlab): the month's headline figures, charts and most returned SKUs."""

import io
import math

from django.utils import timezone
from reportlab.graphics.charts.barcharts import HorizontalBarChart
from reportlab.graphics.charts.piecharts import Pie
from reportlab.graphics.shapes import Drawing
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import getSampleStyleSheet
from reportlab.lib.units import mm
from reportlab.platypus import KeepTogether, Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from core.money import format_money
from core.pdf_fonts import PdfFonts, pdf_fonts
from disposition.models import Action
from reports.charts import PALETTE
from reports.figures import RETURN_RATE_DEFINITION, hours, percent
from reports.selectors import MonthlyReport
from rma.models import Reason

WIDTH = A4[0] - 36 * mm


def _styles(fonts: PdfFonts) -> dict:
    """reportlab's sample styles in our fonts (no italic face: DejaVu Sans of fonts-dejavu-core has none)."""
    sample = getSampleStyleSheet()
    styles = {name: sample[name].clone(name, fontName=fonts.regular) for name in ("BodyText", "Italic")}
    styles.update({name: sample[name].clone(name, fontName=fonts.bold) for name in ("Title", "Heading2")})
    styles["Italic"].textColor = colors.HexColor("#444444")
    styles["cell"] = styles["BodyText"].clone("cell", fontSize=8, leading=10)
    return styles


def _grid(fonts: PdfFonts) -> TableStyle:
    return TableStyle([
        ("FONTSIZE", (0, 0), (-1, -1), 9),
        ("FONTNAME", (0, 0), (-1, -1), fonts.regular),
        ("FONTNAME", (0, 0), (-1, 0), fonts.bold),
        ("LINEBELOW", (0, 0), (-1, 0), 0.8, colors.black),
        ("LINEBELOW", (0, 1), (-1, -1), 0.25, colors.lightgrey),
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
    ])


def report_filename(report: MonthlyReport) -> str:
    return f"returns-report-{report.client.code}-{report.month:%Y-%m}.pdf"


def _money(totals: dict) -> str:
    return ", ".join(format_money(amount, currency) for currency, amount in totals.items()) or "none"


def headline(report: MonthlyReport) -> list[tuple[str, str]]:
    """The month's figures, as the PDF and the email state them."""
    figures = report.figures
    median = figures.median_hours_to_refund
    return [
        ("Returns", str(figures.returns)),
        ("Returned units", str(figures.units)),
        ("Units sold", str(figures.units_sold)),
        ("Return rate", f"{percent(figures.rate)}%" if figures.rate is not None else "no units sold"),
        ("Refunds issued", _money(figures.refunded)),
        ("Expected recovery value", _money(figures.recovery_value)),
        ("Median time to refund",
         f"{hours(median)} hours ({median / 24:.1f} days)" if median is not None else "no refund issued"),
    ]


class _Typeset:
    """The report's fonts and styles, and its paragraphs with each run of letters in a face that has them."""

    def __init__(self) -> None:
        self.fonts = pdf_fonts()
        self.styles = _styles(self.fonts)
        self.grid = _grid(self.fonts)

    def paragraph(self, text: str, style: str = "BodyText") -> Paragraph:
        return Paragraph(self.fonts.markup(text, bold=style in ("Title", "Heading2")), self.styles[style])

    def section(self, title: str, *flowables) -> KeepTogether:
        return KeepTogether([self.paragraph(title, "Heading2"), *flowables])


def _bar_chart(labels: list[str], values: list[float], label_format: str, *, font: str) -> Drawing:
    height = 16 * len(labels) + 24
    drawing = Drawing(WIDTH, height, initialFontName=font)  # else the drawing starts in Helvetica
    chart = HorizontalBarChart()
    chart.x, chart.y, chart.width, chart.height = 60 * mm, 16, WIDTH - 90 * mm, height - 22
    chart.data = [values]
    chart.categoryAxis.categoryNames = labels
    chart.categoryAxis.reverseDirection = True  # the first (largest) at the top
    chart.categoryAxis.labels.fontName = chart.valueAxis.labels.fontName = chart.barLabels.fontName = font
    chart.categoryAxis.labels.fontSize = 8
    chart.valueAxis.valueMin = 0
    chart.valueAxis.valueMax = max(max(values), 1) * 1.1
    if label_format == "%d":  # counts: whole-number ticks
        chart.valueAxis.valueStep = max(1, math.ceil(max(values) / 5))
    chart.valueAxis.labels.fontSize = 7
    chart.bars[0].fillColor = colors.HexColor(PALETTE[0])
    chart.barLabelFormat = label_format
    chart.barLabels.boxAnchor = "w"
    chart.barLabels.dx = 4
    chart.barLabels.fontSize = 8
    drawing.add(chart)
    return drawing


def _pie(labels: list[str], values: list[int], *, font: str) -> Drawing:
    drawing = Drawing(WIDTH, 62 * mm, initialFontName=font)
    pie = Pie()
    pie.x, pie.y, pie.width, pie.height = 45 * mm, 6 * mm, 50 * mm, 50 * mm
    pie.data, pie.labels = values, labels
    pie.sideLabels = True
    pie.slices.fontName = font
    pie.slices.fontSize = 8
    pie.slices.strokeColor = colors.white
    for index in range(len(values)):
        pie.slices[index].fillColor = colors.HexColor(PALETTE[index % len(PALETTE)])
    drawing.add(pie)
    return drawing


def _charts(report: MonthlyReport, typeset: _Typeset) -> list:
    """The charts' labels are our own words (reasons, actions, stages), so they need no other face."""
    figures, empty = report.figures, typeset.paragraph("None this month.")
    font = typeset.fonts.regular
    reasons = dict(Reason.choices)
    actions = dict(Action.choices)
    total = sum(share.units for share in figures.dispositions)
    stages = [row for row in figures.stage_times if row.median_hours is not None]
    return [
        typeset.section("Returned units by reason", _bar_chart(
            [reasons[reason] for reason, _ in figures.reasons], [units for _, units in figures.reasons], "%d",
            font=font,
        ) if figures.reasons else empty),
        typeset.section("Disposition mix", _pie(
            [f"{actions[share.action]}: {share.units} ({percent(share.units / total)}%)"
             for share in figures.dispositions],
            [share.units for share in figures.dispositions], font=font,
        ) if figures.dispositions else empty),
        typeset.section("Median time in each stage (hours)", _bar_chart(
            [row.label.replace("→", "to") for row in stages], [row.median_hours for row in stages], "%.1f",
            font=font,
        ) if stages else empty),
    ]


def _top_skus(report: MonthlyReport, typeset: _Typeset) -> list:
    if not report.top_skus:
        return [typeset.paragraph("No units were returned this month.")]
    labels = dict(Reason.choices)
    rows = [["SKU", "Description", "Returned", "Sold", "Rate", "Reasons (units)"]]
    for top in report.top_skus:
        rate = top.rate
        reasons = ", ".join(f"{labels[reason]} {units}" for reason, units in top.reasons)
        rows.append([typeset.paragraph(rate.sku, "cell"), typeset.paragraph(rate.description, "cell"),
                     str(rate.units), str(rate.units_sold),
                     f"{percent(rate.rate)}%" if rate.rate is not None else "–", typeset.paragraph(reasons, "cell")])
    widths = [32 * mm, 46 * mm, 19 * mm, 12 * mm, 14 * mm, WIDTH - 123 * mm]
    return [Table(rows, colWidths=widths, style=typeset.grid, repeatRows=1)]


def monthly_report_pdf(report: MonthlyReport) -> bytes:
    """The client's monthly report, A4, text selectable (and readable by pdftotext), in any script."""
    typeset = _Typeset()
    scope = report.figures.scope
    title = f"Returns report, {report.month_name}"
    buffer = io.BytesIO()
    document = SimpleDocTemplate(
        buffer, pagesize=A4, leftMargin=18 * mm, rightMargin=18 * mm, topMargin=16 * mm, bottomMargin=16 * mm,
        title=f"{title}: {report.client.name}", author="Returns back office", pageCompression=1,
        # The canvas's initial font too, or every page names Helvetica, which is never embedded.
        initialFontName=typeset.fonts.regular,
    )
    story = [
        typeset.paragraph(title, "Title"),
        typeset.paragraph(f"{report.client.name} ({report.client.code})", "Heading2"),
        typeset.paragraph(
            f"Returns requested from {scope.date_from:%-d %B} to {scope.date_to:%-d %B %Y}, both included, in "
            f"{timezone.get_default_timezone_name()} (the facility's time zone). "
            f"Produced on {timezone.localdate():%-d %B %Y}."
        ),
        Spacer(1, 4 * mm),
        Table([["Figure", "This month"], *headline(report)], colWidths=[60 * mm, WIDTH - 60 * mm],
              style=typeset.grid),
        Spacer(1, 2 * mm),
        typeset.paragraph(
            f"{RETURN_RATE_DEFINITION} Refunds: those issued for the month's returns. Recovery value: what the "
            "confirmed dispositions of their units are expected to recover. Time to refund: from the request to "
            "the refund issued, for the month's returns refunded so far.", "Italic",
        ),
        *_charts(report, typeset),
        typeset.section(f"Most returned SKUs (top {len(report.top_skus)}): units returned and sold this month",
                        *_top_skus(report, typeset)),
    ]
    document.build(story)
    return buffer.getvalue()
