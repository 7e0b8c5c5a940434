"""What every stage's admin shares."""

from django.contrib import admin
from django.contrib.admin.views.main import ChangeList
from django.contrib.admin.widgets import AutocompleteSelect
from django.core.exceptions import ValidationError
from django.core.paginator import EmptyPage, Page, PageNotAnInteger, Paginator
from django.db import connections
from django.db.models import QuerySet
from django.utils.functional import cached_property


class ReadOnlyAdmin(admin.ModelAdmin):
    """Rows written by services: shown in the admin, never added, edited or deleted there."""

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


class _AutocompleteSelect(AutocompleteSelect):
    """Django's autocomplete, minus a crash: it looks the submitted value up to show it again, and a value
    that is no id of the target ("1e400") raised there. Such a value is shown as nothing chosen; the form
    already says it is not a valid choice."""

    def optgroups(self, name, value, attr=None):
        target = self.field.target_field
        return super().optgroups(name, [choice for choice in value if is_id_of(target, choice)], attr)


def is_id_of(target, value) -> bool:
    """Whether `value`, as submitted, can be a value of the model field `target` (an id, for a key)."""
    try:
        target.run_validators(target.to_python(value))
    except ValidationError:
        return False
    return True


class SafeAutocompleteMixin:
    """For a ModelAdmin or inline with autocomplete_fields: a form sent back with a value that is no id is
    shown with its error, never a 500."""

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if "widget" not in kwargs and db_field.name in self.get_autocomplete_fields(request):
            kwargs["widget"] = _AutocompleteSelect(db_field, self.admin_site, using=kwargs.get("using"))
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


# Past this many rows a list's count is not worth its cost: the list says "more than 10,000".
COUNT_BOUND = 10_000
# Past a count that is not exact any page opens, up to this row (beyond, no table of ours reaches).
FARTHEST_ROW = 1_000_000_000


class LargeListPaginator(Paginator):
    """Pages a list of a big table at the cost of one page, not of the whole table.

    Its count is the planner's estimate for a whole table on PostgreSQL ("about 1,000,000"), and otherwise
    an exact count that stops at COUNT_BOUND ("more than 10,000"). Pages past a count that is not exact
    still open. A page reads its rows' ids first, then only those rows with what their columns need,
    so the rows skipped before a far page cost no joins.
    """

    @cached_property
    def counted(self) -> tuple[int, bool, str]:
        """How many rows, whether that is exact, and how the list says it."""
        rows = self.object_list
        estimate = None if rows.query.has_filters() else estimated_rows(rows)
        if estimate is not None and estimate > COUNT_BOUND:
            return estimate, False, f"about {rounded(estimate):,}"
        counted = rows.order_by().values("pk")[:COUNT_BOUND + 1].count()
        if counted > COUNT_BOUND:
            return counted, False, f"more than {COUNT_BOUND:,}"
        return counted, True, f"{counted:,}"

    @property
    def count(self) -> int:
        return self.counted[0]

    @property
    def count_is_exact(self) -> bool:
        return self.counted[1]

    @property
    def count_text(self) -> str:
        return self.counted[2]

    def validate_number(self, number) -> int:
        if self.count_is_exact:
            return super().validate_number(number)
        try:
            number = int(number)
        except (TypeError, ValueError) as error:
            raise PageNotAnInteger("That page number is not an integer") from error
        if number < 1 or (number - 1) * self.per_page > FARTHEST_ROW:
            raise EmptyPage("That page number is out of range")
        return number

    def page(self, number) -> Page:
        number = self.validate_number(number)
        bottom = (number - 1) * self.per_page
        ids = list(self.object_list.values_list("pk", flat=True)[bottom:bottom + self.per_page])
        return self._get_page(self.object_list.filter(pk__in=ids), number, self)


def estimated_rows(rows: QuerySet) -> int | None:
    """How many rows the planner thinks the table of `rows` holds (PostgreSQL's statistics), or None where
    there is no estimate (another database, or a table never analyzed)."""
    connection = connections[rows.db]
    if connection.vendor != "postgresql":
        return None
    with connection.cursor() as cursor:
        cursor.execute("SELECT reltuples FROM pg_class WHERE oid = to_regclass(%s)", [rows.model._meta.db_table])
        found = cursor.fetchone()
    return int(found[0]) if found and found[0] >= 0 else None


def rounded(estimate: int) -> int:
    """An estimate to its three leading digits: 1,000,037 reads as the 1,000,000 it is about."""
    return round(estimate, 3 - len(str(estimate)))


class LargeListChangeList(ChangeList):
    """The admin's list, saying how many rows as its paginator knows it (`result_count_text`)."""

    def get_results(self, request) -> None:
        super().get_results(request)
        self.result_count_text = self.paginator.count_text


class LargeListAdmin:
    """Mix in before ModelAdmin for a list of a big table: one cheap count per page (never the table's full
    count beside the filtered one), no facet counts, and pages read through LargeListPaginator.

    Its ordering should end in the id and match an index (e.g. requested_at, id), so a page reads the index.
    """

    paginator = LargeListPaginator
    show_full_result_count = False
    show_facets = admin.ShowFacets.NEVER

    def get_changelist(self, request, **kwargs):
        return LargeListChangeList
