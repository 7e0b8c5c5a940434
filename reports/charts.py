"""Charts as SVG drawn by a Django template: the shapes are laid out here, the template only writes them.

Every chart has a title and a summary for screen readers, its values written beside the bars and as
tooltips, and the page gives the same numbers as a table.
"""

import math
from dataclasses import dataclass, field

# Okabe and Ito's palette: told apart by people with the common colour-vision deficiencies.
PALETTE = ["#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#999999", "#000000"]

WIDTH = 760
LABEL_WIDTH = 250  # category labels, left of the bars
PLOT_WIDTH = 320
BAR_HEIGHT = 16
ROW_GAP = 10
LEGEND_HEIGHT = 22
AXIS_HEIGHT = 44
COLUMN_PLOT_HEIGHT = 220
LONGEST_LABEL = 38


@dataclass(frozen=True)
class Rect:
    x: float
    y: float
    width: float
    height: float
    colour: str
    tooltip: str


@dataclass(frozen=True)
class Text:
    x: float
    y: float
    text: str
    anchor: str = "start"
    css: str = "chart-value"
    rotate: bool = False  # read bottom to top, for a vertical axis's title


@dataclass(frozen=True)
class Line:
    x1: float
    y1: float
    x2: float
    y2: float
    css: str = "chart-grid"


@dataclass(frozen=True)
class Chart:
    id: str
    title: str
    summary: str
    width: int
    height: float
    rects: list[Rect] = field(default_factory=list)
    texts: list[Text] = field(default_factory=list)
    lines: list[Line] = field(default_factory=list)


@dataclass(frozen=True)
class BarRow:
    """One category: a value and its text per series (None: nothing to draw)."""

    label: str
    values: list[float | None]
    texts: list[str]


def scale_top(largest: float, *, whole: bool) -> float:
    """A round number at least `largest` (1, 2, 2.5 or 5 times a power of ten); at least 5 for whole counts
    and 1 otherwise, so a chart of tiny values (minutes shown in hours) keeps readable ticks."""
    largest = max(largest, 5 if whole else 1)
    magnitude = 10 ** math.floor(math.log10(largest))
    return next(step * magnitude for step in (1, 2, 2.5, 5, 10) if largest <= step * magnitude)


def _number(value: float) -> str:
    return f"{value:g}"


def _short(label: str) -> str:
    return label if len(label) <= LONGEST_LABEL else label[: LONGEST_LABEL - 1] + "…"


def _legend(series: list[str], chart_texts: list[Text], rects: list[Rect], left: float) -> None:
    x = left
    for position, name in enumerate(series):
        rects.append(Rect(x, 6, 12, 12, PALETTE[position % len(PALETTE)], name))
        chart_texts.append(Text(x + 16, 16, name, css="chart-legend"))
        x += 24 + 7 * len(name)


def horizontal_bars(
    *, id: str, title: str, summary: str, category_axis: str, value_axis: str, series: list[str],
    rows: list[BarRow], whole: bool,
) -> Chart:
    """A bar per category and series, growing right from a common zero; the value's text after the bar."""
    top = LEGEND_HEIGHT if len(series) > 1 else 8
    band = len(series) * BAR_HEIGHT + ROW_GAP
    scale = scale_top(max((v for row in rows for v in row.values if v is not None), default=0), whole=whole)
    rects, texts, lines = [], [], []
    if len(series) > 1:
        _legend(series, texts, rects, LABEL_WIDTH)
    texts.append(Text(LABEL_WIDTH - 8, top + 2, category_axis, anchor="end", css="chart-axis"))
    top += 10
    for index, row in enumerate(rows):
        y = top + index * band
        texts.append(Text(LABEL_WIDTH - 8, y + band / 2, _short(row.label), anchor="end", css="chart-label"))
        for position, (value, text) in enumerate(zip(row.values, row.texts, strict=True)):
            bar_y = y + position * BAR_HEIGHT
            width = round((value or 0) / scale * PLOT_WIDTH, 1)
            if value:
                tooltip = f"{row.label}, {series[position]}: {text}"
                rects.append(Rect(LABEL_WIDTH, bar_y, width, BAR_HEIGHT - 2, PALETTE[position % len(PALETTE)], tooltip))
            texts.append(Text(LABEL_WIDTH + width + 6, bar_y + BAR_HEIGHT - 5, text))
    bottom = top + len(rows) * band
    for step in range(6):
        x = LABEL_WIDTH + PLOT_WIDTH * step / 5
        lines.append(Line(x, top - 4, x, bottom))
        texts.append(Text(x, bottom + 14, _number(scale * step / 5), anchor="middle", css="chart-tick"))
    lines.append(Line(LABEL_WIDTH, top - 4, LABEL_WIDTH, bottom, css="chart-axis-line"))
    texts.append(Text(LABEL_WIDTH + PLOT_WIDTH / 2, bottom + 34, value_axis, anchor="middle", css="chart-axis"))
    return Chart(id, title, summary, WIDTH, bottom + AXIS_HEIGHT, rects, texts, lines)


def stacked_columns(
    *, id: str, title: str, summary: str, category_axis: str, value_axis: str, series: list[str],
    columns: list[tuple[str, list[int]]],
) -> Chart:
    """A column per category, its series stacked bottom up, the total above it."""
    left, top = 60, LEGEND_HEIGHT + 14
    plot_width = WIDTH - left - 20
    bottom = top + COLUMN_PLOT_HEIGHT
    scale = scale_top(max((sum(values) for _, values in columns), default=0), whole=True)
    rects, texts, lines = [], [], []
    _legend(series, texts, rects, left)
    for step in range(6):
        y = bottom - COLUMN_PLOT_HEIGHT * step / 5
        lines.append(Line(left, y, left + plot_width, y))
        texts.append(Text(left - 6, y + 4, _number(scale * step / 5), anchor="end", css="chart-tick"))
    slot = plot_width / max(len(columns), 1)
    width = min(48, slot * 0.7)
    label_every = math.ceil(len(columns) / 12) or 1
    for index, (label, values) in enumerate(columns):
        x = left + slot * index + (slot - width) / 2
        y = bottom
        for position, value in enumerate(values):
            if value:
                height = value / scale * COLUMN_PLOT_HEIGHT
                y -= height
                rects.append(Rect(round(x, 1), round(y, 1), round(width, 1), round(height, 1),
                                  PALETTE[position % len(PALETTE)], f"{label}, {series[position]}: {value}"))
        texts.append(Text(round(x + width / 2, 1), round(y - 4, 1), str(sum(values)), anchor="middle"))
        if index % label_every == 0:
            texts.append(Text(round(x + width / 2, 1), bottom + 14, label, anchor="middle", css="chart-tick"))
    lines.append(Line(left, bottom, left + plot_width, bottom, css="chart-axis-line"))
    texts.append(Text(left + plot_width / 2, bottom + 34, category_axis, anchor="middle", css="chart-axis"))
    texts.append(Text(16, top + COLUMN_PLOT_HEIGHT / 2, value_axis, anchor="middle", css="chart-axis", rotate=True))
    return Chart(id, title, summary, WIDTH, bottom + AXIS_HEIGHT, rects, texts, lines)
