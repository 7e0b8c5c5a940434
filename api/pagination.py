"""Cursor pagination: `results` and the `next` page's address, stable while rows are added."""

from rest_framework.pagination import CursorPagination
from rest_framework.response import Response


class NewestFirst(CursorPagination):
    page_size = 50
    max_page_size = 200
    page_size_query_param = "page_size"
    ordering = ("-requested_at", "-pk")

    def get_paginated_response(self, data):
        return Response({"results": data, "next": self.get_next_link()})

    def get_paginated_response_schema(self, schema):
        return {
            "type": "object", "required": ["results", "next"],
            "properties": {"results": schema, "next": {
                "type": "string", "format": "uri", "nullable": True,
                "example": "https://returns.example.com/api/v1/returns/?cursor=cD0yMDI2LTEy",
            }},
        }


class RefundsNewestFirst(NewestFirst):
    ordering = ("-proposed_at", "-pk")
