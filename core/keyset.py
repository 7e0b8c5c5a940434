"""Keyset pagination: the rows after a given row in a queryset's own order, found by comparing the
ordering's values rather than skipping rows (OFFSET), so every page costs the same at any depth and a row
added meanwhile never shifts a page.

The order is made total by the primary key, added last when the queryset's order does not end with it.
Terms may name fields, fields along foreign keys, or annotations; a term naming a relation is the related
model's own order, as Django sorts it. NULLs sort where the database puts them (PostgreSQL: last going up,
first going down; SQLite the other way round).
"""

from collections.abc import Iterator
from dataclasses import dataclass
from functools import reduce
from operator import and_, or_

from django.core.exceptions import FieldDoesNotExist
from django.db import connections
from django.db.models import F, Model, OrderBy, Q, QuerySet

PREFIX = "keyset_"


@dataclass(frozen=True)
class Term:
    path: str  # a field path or an annotation, e.g. "order__number"
    descending: bool


def ordering_terms(rows: QuerySet) -> list[Term]:
    """The queryset's order as field paths, ending with its primary key."""
    query = rows.query
    order = query.order_by or (query.get_meta().ordering if query.default_ordering else ())
    terms = [term for item in order for term in _expanded(rows.model, _term(item), query.annotations)]
    if not terms or terms[-1].path != "pk":
        terms.append(Term("pk", descending=bool(terms) and terms[-1].descending))
    return terms


def _term(item) -> Term:
    if isinstance(item, str):
        return Term(item.lstrip("-"), descending=item.startswith("-"))
    if isinstance(item, OrderBy) and isinstance(item.expression, F) and not (item.nulls_first or item.nulls_last):
        return Term(item.expression.name, descending=item.descending)
    if isinstance(item, F):
        return Term(item.name, descending=False)
    raise ValueError(f"Keyset pagination cannot follow the ordering term {item!r}.")


def _expanded(model: type[Model], term: Term, annotations) -> list[Term]:
    """A term naming a relation becomes the related model's ordering, as Django's ORDER BY reads it."""
    parts = term.path.split("__")
    if term.path == "pk" or parts[0] in annotations:
        return [term]
    field = None
    for part in parts:
        try:
            field = model._meta.get_field(part)
        except FieldDoesNotExist:
            return [term]
        if part != field.name:  # "client_id": the column itself, not the client's order
            return [term]
        if field.is_relation and field.related_model is not None:
            model = field.related_model
    if field is not None and field.is_relation and model._meta.ordering:
        path = term.path.removesuffix("_id")
        return [
            Term(f"{path}__{sub.path}", descending=term.descending != sub.descending)
            for item in model._meta.ordering
            for sub in _expanded(model, _term(item), {})
        ]
    if field is not None and field.primary_key and len(parts) == 1:
        return [Term("pk", term.descending)]
    return [term]


def after(rows: QuerySet, values: list, terms: list[Term]) -> QuerySet:
    """The rows of `rows` that come after the row whose ordering values are `values`."""
    nulls_largest = connections[rows.db].features.nulls_order_largest
    branches = []
    for index, term in enumerate(terms):
        beyond = _beyond(term, values[index], nulls_largest)
        if beyond is None:
            continue
        ties = [_equal(earlier, values[number]) for number, earlier in enumerate(terms[:index])]
        branches.append(reduce(and_, [*ties, beyond]))
    if not branches:
        return rows.none()
    narrowed = rows.filter(reduce(or_, branches))
    # The first term's own bound as well: the database walks an index on it from there.
    first = _not_before(terms[0], values[0], nulls_largest)
    return narrowed.filter(first) if first is not None else narrowed


def _nulls_after(term: Term, nulls_largest: bool) -> bool:
    return nulls_largest != term.descending


def _beyond(term: Term, value, nulls_largest: bool) -> Q | None:
    """The rows strictly after `value` on this term alone; None when nothing comes after it."""
    nulls_after = _nulls_after(term, nulls_largest)
    if value is None:
        return None if nulls_after else Q(**{f"{term.path}__isnull": False})
    compared = Q(**{f"{term.path}__{'lt' if term.descending else 'gt'}": value})
    return compared | Q(**{f"{term.path}__isnull": True}) if nulls_after else compared


def _not_before(term: Term, value, nulls_largest: bool) -> Q | None:
    if value is None:
        return None
    reached = Q(**{f"{term.path}__{'lte' if term.descending else 'gte'}": value})
    return reached | Q(**{f"{term.path}__isnull": True}) if _nulls_after(term, nulls_largest) else reached


def _equal(term: Term, value) -> Q:
    return Q(**{f"{term.path}__isnull": True}) if value is None else Q(**{term.path: value})


def with_keys(rows: QuerySet, terms: list[Term]) -> QuerySet:
    """The rows carrying their ordering values (as keyset_0, keyset_1, ...), to say where a page ends."""
    return rows.annotate(**{f"{PREFIX}{index}": F(term.path) for index, term in enumerate(terms)})


def keys_of(row: Model, terms: list[Term]) -> list:
    return [getattr(row, f"{PREFIX}{index}") for index in range(len(terms))]


def in_batches(rows: QuerySet, *, size: int) -> Iterator[Model]:
    """Every row of `rows`, in its order, read `size` at a time: one short query per batch, each row made
    only as it is taken (so memory holds one batch's raw rows, not its objects), no query held open
    beyond its batch."""
    terms = ordering_terms(rows)
    keyed = with_keys(rows, terms)
    page = keyed
    while True:
        read, last = 0, None
        for last in page[:size].iterator(chunk_size=size):
            read += 1
            yield last
        if read < size:
            return
        page = after(keyed, keys_of(last, terms), terms)
