"""One selector per list: the admin lists, their exports and the API read the same rows, scoped to the viewer."""

from urllib.parse import parse_qsl

import pytest
from django.contrib import admin
from django.urls import reverse

from backoffice import selectors as returns_lists
from core.actors import CustomerActor, SystemActor
from core.errors import InvalidInput, PermissionRefused
from disposition import selectors as disposition_lists
from inspection import selectors as inspection_lists
from refunds import selectors as refund_lists
from reports import exports
from rma import selectors as rma_lists
from rma.list_admin import ListedAdmin
from rma.lists import ListQuery, list_rows
from rma.models import Customer, ReturnState
from tests.factories import DispositionRuleFactory, client_account, client_with_policy, return_in_state

# Each list's selector, and the field each of its rows names its return by (None: it has no return).
LISTS = {
    "returns": (returns_lists.returns_list, "pk"),
    "units": (rma_lists.units_list, "return_request_id"),
    "dock scans": (rma_lists.scans_list, "return_request_id"),
    "inspections": (inspection_lists.inspections_list, "item__return_request_id"),
    "dispositions": (disposition_lists.dispositions_list, "item__return_request_id"),
    "stock movements": (disposition_lists.stock_movements_list, None),
    "refunds": (refund_lists.refunds_list, "return_request_id"),
}
# Every row of a list, whatever its default view (the refunds list opens on the approval queue).
WHOLE = {"refunds": ListQuery(filters={"queue": "all"})}


@pytest.fixture
def two_clients(staff):
    """One refunded return of each of two clients, whose units were restocked."""
    returns = []
    for _ in range(2):
        merchant = client_with_policy(auto_authorize=False)
        DispositionRuleFactory(client=merchant, forced_action="restock")
        returns.append(return_in_state(ReturnState.REFUNDED, staff=staff, units=1, client=merchant))
    return returns


def rows_of(name: str, viewer, query: ListQuery | None = None):
    selector, _ = LISTS[name]
    return selector(viewer=viewer, query=query or WHOLE.get(name, ListQuery()))


@pytest.mark.parametrize("name", list(LISTS))
def test_a_client_account_sees_only_its_own_clients_rows_on_every_list(two_clients, staff, name):
    own, _ = two_clients
    account = client_account(own.client)
    _, return_field = LISTS[name]

    seen_by_staff = list(rows_of(name, staff.manager))
    seen_by_client = list(rows_of(name, account))

    assert len(seen_by_staff) == 2 * len(seen_by_client) > 0
    if return_field:
        assert set(rows_of(name, account).values_list(return_field, flat=True)) == {own.pk}
    else:
        assert {row.client_id for row in seen_by_client} == {own.client_id}


@pytest.mark.parametrize("name", ["returns", "units", "refunds"])
def test_a_portal_customer_sees_only_their_own_returns_rows(two_clients, name):
    own, _ = two_clients
    _, return_field = LISTS[name]

    seen = rows_of(name, CustomerActor(customer=own.customer))

    assert set(seen.values_list(return_field, flat=True)) == {own.pk}


@pytest.mark.parametrize("name", ["dock scans", "inspections", "dispositions", "stock movements"])
def test_a_portal_customer_may_not_read_the_floors_lists(two_clients, name):
    with pytest.raises(PermissionRefused):
        rows_of(name, CustomerActor(customer=two_clients[0].customer))


def test_nobody_reads_a_list_without_saying_who_they_are():
    with pytest.raises(PermissionRefused):
        rows_of("returns", None)


@pytest.mark.parametrize("name", ["returns", "units", "inspections", "dispositions", "refunds"])
def test_a_ran_written_loosely_finds_just_its_rows_on_every_list_of_returns(two_clients, staff, name):
    wanted, _ = two_clients
    _, return_field = LISTS[name]
    loose = wanted.ran.lower().replace("-", " ")

    found = rows_of(name, staff.manager, ListQuery(filters=WHOLE.get(name, ListQuery()).filters, search=loose))

    assert set(found.values_list(return_field, flat=True)) == {wanted.pk}


def test_search_matches_every_word_in_any_field_without_repeating_a_return(staff):
    rma = return_in_state(ReturnState.AUTHORIZED, staff=staff, units=3)
    rma.items.update(serial_number="SN-LOOKED-FOR")

    found = rows_of("returns", staff.manager, ListQuery(search=f"sn-looked {rma.order.number}"))

    assert list(found) == [rma]


@pytest.mark.parametrize(("name", "typed"), [
    ("Zoë Åberg", "zoe"),
    ("Jan Łukasiewicz", "lukasiewicz"),
    ("王芳", "王芳"),
    ("Zoe Martin", "zoë"),  # accents typed where the name has none find it too
])
def test_a_customer_name_is_found_whatever_its_accents_or_script(staff, name, typed):
    wanted = return_in_state(ReturnState.REQUESTED, staff=staff)
    Customer.objects.filter(pk=wanted.customer_id).update(name=name)
    return_in_state(ReturnState.REQUESTED, staff=staff)  # another customer's return

    found = rows_of("returns", staff.manager, ListQuery(search=typed))

    assert list(found) == [wanted]


@pytest.mark.parametrize("filters", [
    {"no_such_field": "1"},
    {"ran__startswith": "RA"},  # a lookup the list's filters never make
    {"notes__exact": "x"},  # a field the list does not filter on
    {"client__id__exact": "not a number"},
    {"requested_at__gte": "yesterday"},
], ids=["unknown", "lookup", "field", "id", "date"])
def test_a_filter_the_list_does_not_have_is_refused_clearly(staff, filters):
    with pytest.raises(InvalidInput):
        list(rows_of("returns", staff.manager, ListQuery(filters=filters)))


def test_a_search_too_long_to_be_typed_is_refused(staff):
    with pytest.raises(InvalidInput):
        rows_of("units", staff.manager, ListQuery(search="x" * 201))


def test_the_admin_answers_a_search_too_long_with_a_message_not_an_error(client, staff):
    client.force_login(staff.manager)

    page = client.get(reverse("admin:rma_returnitem_changelist"), {"q": "x" * 500})

    assert page.status_code == 200
    assert "Search for at most 200 characters" in page.content.decode()


def listed_admins():
    return [model_admin for model_admin in admin.site._registry.values() if isinstance(model_admin, ListedAdmin)]


def test_every_exportable_list_reads_through_its_selector_in_the_admin():
    assert {listing.label for listing in exports.exportable_lists()} == {
        model_admin.model._meta.label_lower for model_admin in listed_admins()
    }
    for listing in exports.exportable_lists():
        assert admin.site.get_model_admin(listing.model).list_spec is listing.spec


@pytest.mark.parametrize("model_admin", listed_admins(), ids=lambda model_admin: model_admin.model._meta.label)
def test_every_filter_link_of_every_admin_list_means_the_same_rows_to_its_selector(
    client, staff, two_clients, model_admin
):
    """Follow each filter choice the list offers, and read the same address through the selector."""
    client.force_login(staff.manager)
    opts = model_admin.model._meta
    url = reverse(f"admin:{opts.app_label}_{opts.model_name}_changelist")
    changelist = client.get(url).context["cl"]
    links = {choice["query_string"] for spec in changelist.filter_specs for choice in spec.choices(changelist)}
    assert links

    for link in links:
        shown = client.get(f"{url}{link}").context["cl"]
        query = ListQuery.from_params(dict(parse_qsl(link.lstrip("?"))))
        rows = list_rows(model_admin.list_spec, viewer=staff.manager, query=query)
        assert [row.pk for row in shown.result_list] == [row.pk for row in rows], link


def test_a_system_job_reads_every_clients_rows(two_clients):
    assert rows_of("returns", SystemActor(job="monthly_report")).count() == 2
