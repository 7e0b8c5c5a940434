"""The back office's lists, built one way: which rows a viewer may see, the filters a list accepts,
its search (where a RAN however written finds just its return) and its order.

Each list (returns, units, dock scans, inspections, dispositions, stock movements, refunds) declares
a `ListSpec` beside its selector; the admin list, its export and the API all read through
`list_rows`, so a client account sees only its own client's rows everywhere. Filters are named as
the admin's list filters put them in the URL (`state__exact`, `client__id__exact`, `requested_at__gte`),
so a list's address and its export mean the same rows.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from django.contrib.admin.utils import prepare_lookup_value
from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import FieldError, ValidationError
from django.db import connections
from django.db.models import CharField, F, Func, Manager, QuerySet, Value
from django.db.models.functions import Replace, Upper
from django.utils.text import smart_split, unescape_string_literal

from core.actors import Actor, ClientActor, CustomerActor, StaffActor, SystemActor, as_actor
from core.errors import InvalidInput, PermissionRefused
from rma import ran as ran_codes

# Parameters of an admin list's URL that are not filters: its search, order, page and the admin's flags.
NOT_FILTERS = frozenset({"q", "o", "p", "all", "e", "_changelist_filters", "_popup", "_to_field"})
# A filter is a field path and one of the lookups the admin's list filters use.
FILTER = re.compile(r"^(?P<path>[a-z0-9_]+?)(?:__(?:id__exact|exact|in|isnull|gte|gt|lte|lt))?$")
# Longer search terms are not a search anyone types; they only cost the database time.
MAX_SEARCH_LENGTH = 200

# Who looks at a list: an actor, or the signed-in user as screens have it (read by core.actors.as_actor).
Viewer = Actor | AbstractBaseUser

# A filter of its own (e.g. the refunds' queue): given the rows and the parameter's value, or None when absent.
NamedFilter = Callable[[QuerySet, str | None], QuerySet]


@dataclass(frozen=True)
class ListQuery:
    """What a viewer asked of a list: its filters, its search and the columns it is sorted by first."""

    filters: Mapping[str, str] = field(default_factory=dict)
    search: str = ""
    ordering: tuple[str, ...] = ()

    @classmethod
    def from_params(cls, params: Mapping[str, str], *, ordering: tuple[str, ...] = ()) -> ListQuery:
        """The query of a list's URL parameters (e.g. request.GET): its filters and its search `q`."""
        filters = {key: params[key] for key in params if key not in NOT_FILTERS}
        return cls(filters=filters, search=params.get("q", "").strip(), ordering=ordering)

    def as_json(self) -> dict[str, Any]:
        return {"filters": dict(self.filters), "search": self.search, "ordering": list(self.ordering)}

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> ListQuery:
        return cls(filters=data.get("filters", {}), search=data.get("search", ""),
                   ordering=tuple(data.get("ordering", ())))


# The whole list, unfiltered, in its own order.
WHOLE_LIST = ListQuery()


@dataclass(frozen=True)
class ListSpec:
    """One list: its rows (with what its columns read), whose rows they are, and how it filters and searches.

    Its search recognises what was typed, and each kind of term is looked up on an index (see `searched`).
    """

    rows: Callable[[], QuerySet]
    client_path: str  # e.g. "return_request__client": client accounts see their client's rows only
    filter_fields: frozenset[str]  # the field paths the list filters on
    # Codes a word finds by their start, ignoring case (an order number, a serial number, a SKU).
    search_fields: tuple[str, ...]
    ordering: tuple[str, ...]
    ran_path: str | None = None  # e.g. "return_request__ran": a RAN in the search finds just its rows
    customer_path: str | None = None  # where portal customers may see the list: their own rows
    named_filters: Mapping[str, NamedFilter] = field(default_factory=dict)
    email_path: str | None = None  # a word with an @ finds the customer with just that email (any case)
    tracking_path: str | None = None  # a word finds the tracking number it is, without spaces, in any case
    # People's names: a word found anywhere in them, whatever the accents ("zoe" finds Zoë) on PostgreSQL;
    # elsewhere ignoring case only.
    name_path: str | None = None

    @property
    def searched_paths(self) -> tuple[str, ...]:
        """Every field the search reads, e.g. for the admin to know the list has a search."""
        return tuple(path for path in (self.ran_path, *self.search_fields, self.email_path, self.tracking_path,
                                       self.name_path) if path)


def list_rows(spec: ListSpec, *, viewer: Viewer, query: ListQuery) -> QuerySet:
    """The rows of the list `viewer` may see, filtered, searched and ordered as `query` asks.

    Raises InvalidInput for a filter the list does not have or a value its field cannot hold.
    """
    rows = visible_rows(spec, viewer=viewer)
    rows = filtered(spec, rows, query.filters)
    rows = searched(spec, rows, query.search)
    return rows.order_by(*query.ordering, *spec.ordering, "-pk")


def visible_rows(spec: ListSpec, *, viewer: Viewer) -> QuerySet:
    """Every row of the list the viewer may see: staff all (their permissions decide which lists they open)."""
    match as_actor(viewer):
        case StaffActor() | SystemActor():
            return spec.rows()
        case ClientActor(client=client):
            return spec.rows().filter(**{spec.client_path: client})
        case CustomerActor(customer=customer) if spec.customer_path:
            return spec.rows().filter(**{spec.customer_path: customer})
    raise PermissionRefused("You may not see this list.")


def filtered(spec: ListSpec, rows: QuerySet, filters: Mapping[str, str]) -> QuerySet:
    for name, apply in spec.named_filters.items():
        rows = apply(rows, filters.get(name))
    for key, value in filters.items():
        if key in spec.named_filters:
            continue
        lookup = FILTER.match(key)
        if lookup is None or lookup["path"] not in spec.filter_fields:
            raise InvalidInput(f"This list cannot be filtered by {key!r}.")
        try:
            rows = rows.filter(**{key: prepare_lookup_value(key, value)})
        except (ValidationError, ValueError, FieldError) as error:
            raise InvalidInput(f"{value!r} is not a value {key!r} can be filtered by.") from error
    return rows


def searched(spec: ListSpec, rows: QuerySet, term: str) -> QuerySet:
    """The rows matching every word of `term`; a RAN finds just its own rows.

    Each word is what it looks like: a word with an @ an email (exactly, any case), anything else the start
    of a code (order, serial, SKU...), a tracking number (exactly, spaces and case aside) or a part of a
    name. Every kind is one indexed lookup of row ids; a word's lookups are joined in one UNION, so a row
    found several ways (a return by two of its units) is listed once and no join multiplies the rows.
    """
    term = term.strip()
    if not term:
        return rows
    if len(term) > MAX_SEARCH_LENGTH:
        raise InvalidInput(f"Search for at most {MAX_SEARCH_LENGTH} characters.")
    ran = ran_codes.parse_ran(term) if spec.ran_path else None
    if ran:
        return rows.filter(**{spec.ran_path: ran})
    every = rows.model._default_manager
    vendor = connections[rows.db].vendor
    words = [_unquoted(word) for word in smart_split(term)]
    matched = rows
    for word in words:
        lookups = [found.order_by().values("pk") for found in _found(spec, every, word, vendor=vendor)]
        matched = matched.filter(pk__in=lookups[0].union(*lookups[1:])) if lookups else matched.none()
    if spec.tracking_path and len(words) > 1:
        # A tracking number is often typed in the groups it is printed in ("1Z 999 AA1 0123").
        whole = _tracked_as(every, spec.tracking_path, term).order_by().values("pk")
        return rows.filter(pk__in=matched.order_by().values("pk").union(whole))
    return matched


def _found(spec: ListSpec, every: Manager, word: str, *, vendor: str) -> list[QuerySet]:
    """The rows one word finds in each way it may be meant, each way answered by an index of its own."""
    if "@" in word and spec.email_path:
        # Customers' emails are stored trimmed and lower-case (rma.models.Customer).
        return [every.filter(**{spec.email_path: word.lower()})]
    found = [every.filter(**{f"{path}__istartswith": word}) for path in (spec.ran_path, *spec.search_fields) if path]
    if spec.tracking_path:
        found.append(_tracked_as(every, spec.tracking_path, word))
    if spec.name_path:
        found.append(_name_contains(every, spec.name_path, word, vendor=vendor))
    return found


def _tracked_as(every: Manager, path: str, typed: str) -> QuerySet:
    # The expression of rma.models.TRACKING_KEY, which return_tracking_key_idx holds.
    key = Upper(Replace(F(path), Value(" "), Value("")))
    return every.alias(tracking_key=key).filter(tracking_key="".join(typed.split()).upper())


def _name_contains(every: Manager, path: str, word: str, *, vendor: str) -> QuerySet:
    if vendor != "postgresql":
        return every.filter(**{f"{path}__icontains": word})
    # Both sides without accents, upper-cased: the expression the trigram index customer_name_trgm_idx holds.
    name_key = Upper(Unaccented(F(path)))
    return every.alias(name_key=name_key).filter(name_key__contains=Upper(Unaccented(Value(word))))


class Unaccented(Func):
    """PostgreSQL's unaccent through the immutable wrapper rma's migration 0016 makes, so an index can hold it."""

    function = "rma_unaccent"
    output_field = CharField()


def _unquoted(word: str) -> str:
    if word[0] in "\"'" and word[-1] == word[0] and len(word) > 1:
        return unescape_string_literal(word)
    return word
