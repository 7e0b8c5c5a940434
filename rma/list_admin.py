"""The admin side of the back office's lists: a ModelAdmin reading its rows through the list's ListSpec,
so the admin list, its export and the API show the same rows for the same filters and search, and paging
it as a big table's list (core.admin.LargeListAdmin): a cheap count, one page read at a time.
"""

from django.contrib import messages
from django.db.models import QuerySet
from django.http import HttpRequest

from core.admin import LargeListAdmin
from core.errors import InvalidInput
from rma.lists import ListSpec, searched, visible_rows


class SearchedAdmin(LargeListAdmin):
    """Mix in before ModelAdmin and name the list's `list_spec`: its search and default order come from it."""

    list_spec: ListSpec

    def get_ordering(self, request: HttpRequest) -> list[str]:
        return list(self.list_spec.ordering)

    def get_search_fields(self, request: HttpRequest) -> list[str]:
        return list(self.list_spec.searched_paths)

    def get_search_results(self, request: HttpRequest, queryset: QuerySet, search_term: str) -> tuple[QuerySet, bool]:
        try:
            return searched(self.list_spec, queryset, search_term), False
        except InvalidInput as error:
            self.message_user(request, error.message, messages.WARNING)
            return queryset.none(), False


class ListedAdmin(SearchedAdmin):
    """A SearchedAdmin whose rows come from the list's spec too: the rows its export and the API read."""

    def get_queryset(self, request: HttpRequest) -> QuerySet:
        return visible_rows(self.list_spec, viewer=request.user)
