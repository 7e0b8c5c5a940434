"""Cursor pagination: `results` and the `next` page's address, stable while rows are added.

The cursor is the last row's place in the list's order (its time and id, core.keyset), so the next
page starts right after it at any depth, by index: no OFFSET, not even among rows of the same time.
"""

import base64
import json

from django.core.exceptions import ValidationError as FieldValidationError
from rest_framework.exceptions import ValidationError
from rest_framework.pagination import BasePagination
from rest_framework.response import Response
from rest_framework.utils.urls import replace_query_param

from core import keyset

CURSOR_TOO_LONG = 200  # characters: a cursor of ours is a time and an id, well under this
BAD_CURSOR = "Give the cursor of a page's `next` address as it is."


class NewestFirst(BasePagination):
    page_size = 50
    max_page_size = 200
    page_size_query_param = "page_size"
    cursor_query_param = "cursor"
    ordering = ("-requested_at", "-pk")

    def paginate_queryset(self, queryset, request, view=None):
        rows = queryset.order_by(*self.ordering)
        terms = keyset.ordering_terms(rows)
        cursor = request.query_params.get(self.cursor_query_param)
        if cursor is not None:
            rows = keyset.after(rows, self._decoded(cursor, rows.model, terms), terms)
        size = self._page_size(request)
        fetched = list(keyset.with_keys(rows, terms)[: size + 1])
        page = fetched[:size]
        self.next_link = None
        if len(fetched) > size:
            self.next_link = replace_query_param(
                request.build_absolute_uri(), self.cursor_query_param, _encoded(keyset.keys_of(page[-1], terms))
            )
        return page

    def _page_size(self, request) -> int:
        asked = request.query_params.get(self.page_size_query_param)
        if asked is None:
            return self.page_size
        if not asked.isdigit() or int(asked) < 1:
            raise ValidationError({self.page_size_query_param: ["Give a whole number of rows, 1 or more."]})
        return min(int(asked), self.max_page_size)

    def _decoded(self, cursor: str, model, terms: list[keyset.Term]) -> list:
        """The cursor's values, each read as its field reads it; a cursor we did not write is a 400."""
        try:
            if len(cursor) > CURSOR_TOO_LONG:
                raise ValueError
            values = json.loads(base64.urlsafe_b64decode(cursor.encode() + b"=" * (-len(cursor) % 4)))
            if not isinstance(values, list) or len(values) != len(terms):
                raise ValueError
            fields = [model._meta.pk if term.path == "pk" else model._meta.get_field(term.path) for term in terms]
            return [None if value is None else field.to_python(value)
                    for field, value in zip(fields, values, strict=True)]
        except (ValueError, TypeError, FieldValidationError, UnicodeDecodeError):
            raise ValidationError({self.cursor_query_param: [BAD_CURSOR]}) from None

    def get_paginated_response(self, data):
        return Response({"results": data, "next": self.next_link})

    def get_paginated_response_schema(self, schema):
        return {
            "type": "object", "required": ["results", "next"],
            "properties": {"results": schema, "next": {
                "type": "string", "format": "uri", "nullable": True,
                "example": "https://returns.example.com/api/v1/returns/?cursor=WyIyMDI2LTEyLTA0VDE4OjIwOjA5WiIsIDQyXQ",
            }},
        }

    def get_schema_operation_parameters(self, view):
        return [
            {"name": self.cursor_query_param, "required": False, "in": "query",
             "description": "The cursor of the next page, from the previous page's `next`.",
             "schema": {"type": "string"}},
            {"name": self.page_size_query_param, "required": False, "in": "query",
             "description": f"Rows per page, at most {self.max_page_size} (default {self.page_size}).",
             "schema": {"type": "integer"}},
        ]


def _encoded(values: list) -> str:
    text = json.dumps([value.isoformat() if hasattr(value, "isoformat") else value for value in values])
    return base64.urlsafe_b64encode(text.encode()).decode().rstrip("=")


class RefundsNewestFirst(NewestFirst):
    ordering = ("-proposed_at", "-pk")
