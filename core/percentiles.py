"""Percentiles of measures over a queryset's rows: in the database on PostgreSQL (`percentile_cont`), so no
row leaves it; on any other database (the embedded SQLite default) from the measures fetched in one query.

Both give the same answer: linear interpolation between the closest ranks, as PERCENTILE.INC in
spreadsheets and as PostgreSQL's `percentile_cont`.
"""

from dataclasses import dataclass

from django.db import connections
from django.db.models import Aggregate, Count, Expression, QuerySet


def percentile(values: list, fraction: float):
    """Linear interpolation between the closest ranks (as PERCENTILE.INC in spreadsheets); None for no values.

    Works on numbers and on timedeltas alike."""
    if not values:
        return None
    ordered = sorted(values)
    position = (len(ordered) - 1) * fraction
    lower = int(position)
    upper = min(lower + 1, len(ordered) - 1)
    return ordered[lower] + (ordered[upper] - ordered[lower]) * (position - lower)


class PercentileCont(Aggregate):
    """PostgreSQL's `percentile_cont(fraction) WITHIN GROUP (ORDER BY expression)`; NULLs are left out."""

    function = "percentile_cont"
    template = "%(function)s(%(fraction)s) WITHIN GROUP (ORDER BY %(expressions)s)"

    def __init__(self, expression, *, fraction: float, **extra) -> None:
        if not 0 <= fraction <= 1:
            raise ValueError(f"A percentile's fraction is between 0 and 1, not {fraction}.")
        # A float of our own code, written into the SQL as a literal: never user input.
        super().__init__(expression, fraction=repr(float(fraction)), **extra)


@dataclass(frozen=True)
class Spread:
    """How many rows have the measure (not NULL), and its value at each asked fraction (None: no rows)."""

    count: int
    at: dict[float, object]


def spreads(rows: QuerySet, *, measures: dict[str, Expression], fractions: tuple[float, ...]) -> dict[str, Spread]:
    """Per named measure of `rows`: its count and percentiles at `fractions`, in one query on any database."""
    if connections[rows.db].vendor == "postgresql":
        # Aliases by position: a measure's name is the reader's (it may hold spaces), not SQL's.
        aggregates = {}
        for position, measure in enumerate(measures.values()):
            aggregates[f"m{position}_n"] = Count(measure)
            for index, fraction in enumerate(fractions):
                aggregates[f"m{position}_p{index}"] = PercentileCont(measure, fraction=fraction,
                                                                     output_field=measure.output_field)
        found = rows.order_by().aggregate(**aggregates)
        return {
            name: Spread(found[f"m{position}_n"],
                         {fraction: found[f"m{position}_p{index}"] for index, fraction in enumerate(fractions)})
            for position, name in enumerate(measures)
        }
    fetched = list(rows.order_by().values_list(*measures.values()))
    result = {}
    for column, name in enumerate(measures):
        values = [row[column] for row in fetched if row[column] is not None]
        result[name] = Spread(len(values), {fraction: percentile(values, fraction) for fraction in fractions})
    return result
