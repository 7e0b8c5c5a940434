"""The back office's lists, built one way: which rows a viewer may see, the filters a list accepts,
its search (where a RAN however written finds just its return) and its order.

Each list (returns, units, dock scans, inspections, dispositions, stock movements, refunds) declares
a `ListSpec` beside its selector; the admin list, its export and the API all read through
`list_rows`, so a client account sees only its own client's rows everywhere. Filters are named as
the admin's list filters put them in the URL (`state__exact`, `client__id__exact`, `requested_at__gte`),
so a list's address and its export mean the same rows.
"""

from __future__ import annotations

import operator
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from functools import reduce
from typing import Any

from django.contrib.admin.utils import lookup_spawns_duplicates, prepare_lookup_value
from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import FieldError, ValidationError
from django.db import connections
from django.db.models import CharField, Func, Q, QuerySet, Value
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
    """One list: its rows (with what its columns read), whose rows they are, and how it filters and searches."""

    rows: Callable[[], QuerySet]
    client_path: str  # e.g. "return_request__client": client accounts see their client's rows only
    filter_fields: frozenset[str]  # the field paths the list filters on
    search_fields: tuple[str, ...]
    ordering: tuple[str, ...]
    ran_path: str | None = None  # e.g. "return_request__ran": a RAN in the search finds just its rows
    customer_path: str | None = None  # where portal customers may see the list: their own rows
    named_filters: Mapping[str, NamedFilter] = field(default_factory=dict)
    # Search fields that match whatever the accents (people's names: "zoe" finds Zoë), on PostgreSQL;
    # elsewhere they match as the other fields do, ignoring case only.
    accent_insensitive: frozenset[str] = frozenset()


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
    """The rows matching every word of `term` in one of the search fields; a RAN finds just its own rows."""
    term = term.strip()
    if not term:
        return rows
    if len(term) > MAX_SEARCH_LENGTH:
        raise InvalidInput(f"Search for at most {MAX_SEARCH_LENGTH} characters.")
    ran = ran_codes.parse_ran(term) if spec.ran_path else None
    if ran:
        return rows.filter(**{spec.ran_path: ran})
    words = [_unquoted(word) for word in smart_split(term)]
    unaccent = connections[rows.db].vendor == "postgresql"
    matches = Q(*(
        reduce(operator.or_, (
            _contains(path, word, unaccent=unaccent and path in spec.accent_insensitive)
            for path in spec.search_fields
        ))
        for word in words
    ))
    opts = rows.model._meta
    if any(lookup_spawns_duplicates(opts, path) for path in spec.search_fields):
        # A to-many path (a return's units) would repeat a row once per match.
        return rows.filter(pk__in=rows.model._default_manager.filter(matches).values("pk"))
    return rows.filter(matches)


def _contains(path: str, word: str, *, unaccent: bool) -> Q:
    if not unaccent:
        return Q(**{f"{path}__icontains": word})
    # Both sides without accents: "Zoë" finds Zoe as "zoe" finds Zoë.
    return Q(**{f"{path}__unaccent__icontains": Func(Value(word), function="UNACCENT", output_field=CharField())})


def _unquoted(word: str) -> str:
    if word[0] in "\"'" and word[-1] == word[0] and len(word) > 1:
        return unescape_string_literal(word)
    return word
