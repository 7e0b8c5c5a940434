"""No input gives a 500: hostile values in every admin list's search and filters, in every admin form, and in
the dock, the inspection station, the reports, the portal, the console, the label link and the API.

The hostile values: a NUL character, a 10,000-character string, impossible and far-off dates, negative,
infinite and bigint-overflowing numbers, a lone surrogate's bytes, a percent-encoded NUL, and JSON of the
wrong type. A 500 raises in the test client (its default), so a failure shows the traceback. Input the site
refuses whole (NUL, over-long) is a 400 and changes nothing.
"""

import itertools
import json
import re
from functools import partial
from html.parser import HTMLParser
from urllib.parse import quote, urlencode

import pytest
from django.contrib import admin
from django.contrib.admin import helpers
from django.contrib.admin.utils import NotRelationField, get_fields_from_path
from django.contrib.auth.models import User
from django.core import signing
from django.core.cache import cache
from django.core.exceptions import FieldDoesNotExist
from django.db import models, transaction
from django.test import Client as Browser
from django.test import RequestFactory
from django.urls import NoReverseMatch, URLResolver, get_resolver, reverse
from django.urls.resolvers import RegexPattern, RoutePattern

from api.services import issue_api_key
from inspection.models import Inspection
from outbox.models import Message
from refunds.models import Refund
from rma import selectors as rma_selectors
from rma import services as rma_services
from rma.models import Client, Customer, Order, ReceivingScan, ReturnEvent, ReturnRequest, ReturnState
from tests.console.conftest import console_user
from tests.factories import Staff, client_account, order_for, return_in_state

pytestmark = pytest.mark.django_db

# Query-string or form-body fragments, already percent-encoded (a lone surrogate cannot be sent any other way).
NUL, NUL_INSIDE, OVERLONG = "%00", "RA%00-1", "x" * 10_000
REFUSED = [NUL, NUL_INSIDE, OVERLONG]
ODD = ["9999-99-99", "9999-12-31", "0001-01-01", "-1", "1e400", "99999999999999999999", "%ED%A0%80", "%2500"]
HOSTILE = REFUSED + ODD
# JSON texts put in place of one value of a valid body, by the kind of value they replace; the refused ones
# once per body.
JSON_HOSTILE = {
    str: ['"9999-12-31T23:59:59Z"', '"0001-01-01"', json.dumps("x" * 10_000), "99999999999999999999", "null", "[]"],
    int: ["-1", "1e400", "99999999999999999999", '"x"', "null"],
    dict: ['"x"', "null", "[]"],
    list: ['"x"', "null", "{}"],
}
JSON_REFUSED = ['"\\u0000"', '"\\ud800"']


def counts() -> dict[str, int]:
    """The rows of the main tables: refused input adds or removes none."""
    tables = [ReturnEvent, ReturnRequest, ReceivingScan, Client, Customer, Order, Refund, Inspection, Message, User]
    return {model.__name__: model.objects.count() for model in tables}


def encoded(fields: dict[str, str], hostile: dict[str, str]) -> str:
    """A form body: `fields` encoded as usual, `hostile` (already encoded) put in as they are."""
    plain = urlencode([(name, value) for name, value in fields.items() if name not in hostile])
    raw = "&".join(f"{quote(name)}={value}" for name, value in hostile.items())
    return "&".join(part for part in (plain, raw) if part)


def post_form(browser: Browser, url: str, fields: dict[str, str], hostile: dict[str, str], **headers):
    return browser.generic(
        "POST", url, encoded(fields, hostile), content_type="application/x-www-form-urlencoded", **headers
    )


def get_with(browser: Browser, url: str, hostile: dict[str, str], **headers):
    return browser.get(f"{url}?{encoded({}, hostile)}", **headers)


def assert_refused_or_answered(response, value: str, before: dict[str, int], where: str) -> None:
    """No 500; refused input changes nothing, and a NUL anywhere (or an over-long query value) is a 400."""
    assert response.status_code < 500, where
    if value in REFUSED:
        assert counts() == before, where
    if value in REFUSED and (value != OVERLONG or response.request["REQUEST_METHOD"] == "GET"):
        assert response.status_code == 400, where


class FormFields(HTMLParser):
    """The fields of each POST form on a page, with the values the page fills in and the kind of each."""

    def __init__(self) -> None:
        super().__init__()
        self.forms: list[dict[str, str]] = []
        self.methods: list[str] = []
        self.links: list[str] = []
        self.kinds: dict[str, str] = {}
        self._select: str | None = None
        self._textarea: str | None = None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "a" and attrs.get("href"):
            self.links.append(attrs["href"])
        if tag == "form":
            self.forms.append({})
            self.methods.append((attrs.get("method") or "get").lower())
        if tag == "option" and self._select and self.forms:
            fields = self.forms[-1]
            if "selected" in attrs or not fields.get(self._select):
                fields[self._select] = attrs.get("value") or ""
        if not self.forms or not attrs.get("name"):
            return
        fields, name, kind = self.forms[-1], attrs["name"], attrs.get("type") or ""
        self.kinds[name] = kind_of(tag, kind, attrs.get("class") or "")
        if tag == "input" and kind not in {"submit", "button", "file", "image", "reset"}:
            if kind not in {"checkbox", "radio"} or "checked" in attrs:
                fields[name] = attrs.get("value") or ""
        elif tag == "select":
            self._select = name
            fields.setdefault(name, "")
        elif tag == "textarea":
            self._textarea = name
            fields[name] = ""

    def handle_endtag(self, tag):
        if tag == "select":
            self._select = None
        if tag == "textarea":
            self._textarea = None

    def handle_data(self, data):
        if self._textarea and self.forms:
            self.forms[-1][self._textarea] += data

    def handle_startendtag(self, tag, attrs):
        self.handle_starttag(tag, attrs)


def kind_of(tag: str, input_type: str, css: str) -> str:
    if input_type in {"date", "month", "datetime-local"} or "vDateField" in css or "vTimeField" in css:
        return "date"
    if tag == "select" or input_type in {"number", "checkbox", "radio"} or "vForeignKeyRawIdAdminField" in css:
        return "number"
    return "text"


# Per kind of field, the hostile values that reach what reads it.
ODD_BY_KIND = {
    "date": ["9999-99-99", "9999-12-31", "0001-01-01"],
    "number": ["99999999999999999999", "-1", "1e400"],
    "text": ["%ED%A0%80", "%2500", "99999999999999999999"],
}


def forms_on(html: str, method: str = "post") -> tuple[list[dict[str, str]], dict[str, str]]:
    parser = FormFields()
    parser.feed(html)
    return [form for form, sent in zip(parser.forms, parser.methods, strict=True) if form and sent == method], (
        parser.kinds
    )


def links_on(html: str) -> list[str]:
    parser = FormFields()
    parser.feed(html)
    return parser.links


def form_on(browser: Browser, url: str, *, having: str = "") -> tuple[dict[str, str], dict[str, str]]:
    """The largest POST form of the page at `url` (of those with a field named like `having`: not the
    header's sign-out button), and the kind of each field."""
    page = browser.get(url)
    assert page.status_code == 200, url
    forms, kinds = forms_on(page.content.decode())
    return max((form for form in forms if any(having in name for name in form)), key=len), kinds


# Fields no person types: the CSRF token, the formsets' counts (a hostile one is a form error already covered).
UNTYPED = ("csrfmiddlewaretoken", "-TOTAL_FORMS", "-INITIAL_FORMS", "-MIN_NUM_FORMS", "-MAX_NUM_FORMS")


def typed_fields(fields: dict[str, str]) -> list[str]:
    return [name for name in fields if not name.endswith(UNTYPED)]


def refused_fields(response) -> set[str] | None:
    """The names of the fields an admin form was shown again with an error on (a split date and time under its
    field's name); None when it was not shown again."""
    context = response.context
    if response.status_code != 200 or context is None or "adminform" not in context:
        return None
    forms = [context["adminform"].form]
    forms += [form for inline in context.get("inline_admin_formsets", []) for form in inline.formset.forms]
    return {form.add_prefix(name) for form in forms for name in form.errors}


def each_field_once(browser: Browser, url: str, fields: dict[str, str], kinds: dict[str, str], *, where: str) -> None:
    """A NUL in every field at once (refused whole); then, three times, a hostile value of its kind in every
    field, and once more in only those fields the form took it in (the others as the page filled them in), so
    that a value the form lets through reaches whatever saves it."""
    names = typed_fields(fields)
    if not names:
        return  # a page only to read
    before = counts()
    response = post_form(browser, url, fields, dict.fromkeys(names, NUL_INSIDE))
    assert_refused_or_answered(response, NUL_INSIDE, before, f"{where}: NUL in every field")
    for turn in range(3):
        hostile = {name: ODD_BY_KIND[kinds.get(name, "text")][(index + turn) % 3] for index, name in enumerate(names)}
        response = post_form(browser, url, fields, hostile)
        assert response.status_code < 500, f"{where} {hostile}"
        refused = refused_fields(response)
        taken = {name: value for name, value in hostile.items()
                 if refused is not None and name not in refused and name.rsplit("_", 1)[0] not in refused}
        if taken and len(taken) < len(hostile):
            assert post_form(browser, url, fields, taken).status_code < 500, f"{where} {taken}"


def hammer_form(
    browser: Browser, url: str, fields: dict[str, str], kinds: dict[str, str] | None = None, *, where: str
) -> None:
    """A NUL and an over-long text in every field at once, then each hostile value of its kind in each field
    alone, the others as given."""
    names = typed_fields(fields)
    for value in REFUSED[1:]:
        before = counts()
        response = post_form(browser, url, fields, dict.fromkeys(names, value))
        assert_refused_or_answered(response, value, before, f"{where} all fields = {value[:20]!r}")
    for name in names:
        for value in ODD_BY_KIND[(kinds or {}).get(name, "text")]:
            response = post_form(browser, url, fields, {name: value})
            assert response.status_code < 500, f"{where} {name} = {value!r}"


# -- the data every page shows -----------------------------------------------------------------------


@pytest.fixture(scope="module")
def floor(django_db_setup, django_db_blocker):
    """A return in most states of one client, a parcel nobody announced, and a superuser: made once for the
    module in a transaction rolled back at its end (each test runs in a savepoint inside it)."""
    with django_db_blocker.unblock(), transaction.atomic():
        staff = Staff()
        shop = return_in_state(ReturnState.REQUESTED, staff=staff).client
        returns = {state: return_in_state(state, staff=staff, client=shop) for state in [
            ReturnState.AUTHORIZED, ReturnState.RECEIVED, ReturnState.INSPECTED, ReturnState.REFUNDED,
        ]}
        rma_services.receive_scan(code="NOBODY-KNOWS-ME", actor=staff.dock)
        staff.manager  # noqa: B018 - made now, so that no test's rolled-back savepoint takes it away
        root = User.objects.create_superuser("root", "root@example.com", "pw")
        yield {"staff": staff, "client": shop, "returns": returns, "root": root}
        transaction.set_rollback(True)


@pytest.fixture
def browser(floor, db) -> Browser:
    browser = Browser()
    browser.force_login(floor["root"])
    return browser


# -- the admin: every list, every add form, every change form ----------------------------------------


def changelist_parameters(model_admin, root: User) -> list[str]:
    """The query-string names a list takes: its search, ordering, page and every filter's parameters."""
    request = RequestFactory().get("/")
    request.user = root
    changelist = model_admin.get_changelist_instance(request)
    names = ["q", "o", "p", "id__exact", "_changelist_filters"]
    names += [name for spec in changelist.filter_specs for name in spec.expected_parameters()]
    if model_admin.date_hierarchy:
        names += [f"{model_admin.date_hierarchy}__{part}" for part in ("year", "month", "day")]
    return names


def actions_of(model_admin, root: User) -> list[str]:
    request = RequestFactory().get("/")
    request.user = root
    return list(model_admin.get_actions(request))


def kinds_of_parameter(model, name: str) -> list[list[str]]:
    """The hostile values for a list parameter: by its field's type where it names one, else of every kind."""
    path = name.split("__")
    while path:
        try:
            field = get_fields_from_path(model, "__".join(path))[-1]
        except (FieldDoesNotExist, NotRelationField):
            path.pop()
            continue
        if isinstance(field, models.DateField | models.TimeField):
            return [ODD_BY_KIND["date"]]
        if isinstance(field, models.IntegerField | models.BooleanField | models.ForeignKey | models.DecimalField):
            return [ODD_BY_KIND["number"]]
        return [ODD_BY_KIND["text"]]
    return list(ODD_BY_KIND.values())


def registered():
    return sorted(admin.site._registry.items(), key=lambda entry: entry[0]._meta.label)


def admin_url(model, view: str, *args) -> str | None:
    try:
        return reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_{view}", args=args)
    except NoReverseMatch:
        return None


def test_no_admin_list_search_filter_or_action_gives_a_500(floor, browser):
    """A NUL and an over-long search refused on every list; every action on a selection of no row; each
    parameter alone with a hostile value of its field's kind (all three kinds where it names no field)."""
    for model, model_admin in registered():
        url = admin_url(model, "changelist")
        names = changelist_parameters(model_admin, floor["root"])
        for value in REFUSED[1:]:
            assert get_with(browser, url, {"q": value}).status_code == 400, url
        for action in actions_of(model_admin, floor["root"]):
            response = browser.post(url, {"action": action, "index": "0", helpers.ACTION_CHECKBOX_NAME: "1e400"})
            assert response.status_code < 500, f"{url} {action} on 1e400"
        for index, name in enumerate(names):
            for odd in kinds_of_parameter(model, name):
                value = odd[index % len(odd)]
                assert get_with(browser, url, {name: value}).status_code < 500, f"{url}?{name}={value}"


def test_an_action_on_a_forged_selection_is_refused_with_a_message(floor, browser):
    model_admin = admin.site._registry[ReturnRequest]
    action = actions_of(model_admin, floor["root"])[0]
    url = reverse("admin:rma_returnrequest_changelist")

    response = browser.post(url, {"action": action, "index": "0", helpers.ACTION_CHECKBOX_NAME: "abc"}, follow=True)

    assert response.status_code == 200
    assert "The selection names rows that do not exist: select them again." in response.content.decode()


def test_no_admin_add_or_change_form_gives_a_500(floor, browser):
    for model, _model_admin in registered():
        pages = [admin_url(model, "add")]
        existing = model._default_manager.order_by("pk").first()
        if existing is not None:
            pages.append(admin_url(model, "change", existing.pk))
        for url in filter(None, pages):
            page = browser.get(url)
            assert page.status_code < 500, url
            if page.status_code != 200:
                continue
            forms, kinds = forms_on(page.content.decode())
            each_field_once(browser, url, max(forms, key=len), kinds, where=url)


def every_route():
    """Every address of the site as (route with its converters, view name), from the URL resolver."""
    def walk(patterns, prefix=""):
        for pattern in patterns:
            if isinstance(pattern, URLResolver):
                yield from walk(pattern.url_patterns, prefix + str(pattern.pattern))
            elif isinstance(pattern.pattern, RoutePattern) and not isinstance(pattern.pattern, RegexPattern):
                yield "/" + prefix + str(pattern.pattern), pattern.name
    return [(route, name) for route, name in walk(get_resolver().url_patterns) if "^" not in route]


# What takes the place of a path converter: an id past bigint, a lone surrogate's bytes, an over-long name.
PATH_HOSTILE = {"int": ["99999999999999999999"], "str": ["%ED%A0%80", "x" * 300], "slug": ["x" * 300],
                "path": ["%ED%A0%80", "99999999999999999999"]}


def fill(converter: re.Match, *, kind: str, value: str) -> str:
    """The hostile value for a converter of `kind`, an ordinary id for the others."""
    return value if (converter[1] or "str") == kind else "1"


def test_every_address_takes_hostile_path_values_and_query_forms(floor, browser):
    """Every route the resolver knows, its converters filled with hostile values; every page without any,
    its form posted with hostile values and each field of its GET forms (filters, searches, periods) with
    hostile values of its kind."""
    for route, name in every_route():
        converters = re.findall(r"<(?:(\w+):)?\w+>", route)
        if not converters and (name or "").endswith(("_changelist", "_add")):
            continue  # every list and add form has its own walk above
        if not converters:
            page = browser.get(route)
            assert page.status_code < 500, route
            if page.status_code == 200 and "html" in page.headers.get("Content-Type", ""):
                posted, kinds = forms_on(page.content.decode())
                if posted and name not in {"logout", "login"}:  # the walk stays signed in
                    each_field_once(browser, route, max(posted, key=len), kinds, where=route)
                forms, kinds = forms_on(page.content.decode(), method="get")
                for fields in forms:
                    for index, field in enumerate(typed_fields(fields)):
                        odd = ODD_BY_KIND[kinds.get(field, "text")]
                        response = get_with(browser, route, {field: odd[index % 3]})
                        assert response.status_code < 500, f"{route}?{field}={odd[index % 3]}"
            continue
        for kind in {converter or "str" for converter in converters}:
            for value in PATH_HOSTILE.get(kind, PATH_HOSTILE["str"]):
                url = re.sub(r"<(?:(\w+):)?\w+>", partial(fill, kind=kind, value=value), route)
                assert browser.get(url).status_code < 500, url
    assert browser.get("/admin/%00/").status_code == 400


# The pages of one object the admin links to from an object's page: its actions, corrections, resolutions, keys.
OBJECT_PAGE = re.compile(r"^/admin/[a-z_]+/[a-z_]+/\d+/(?!change/|delete/|history/)[a-z0-9_/-]+/$")


def test_no_form_on_an_objects_own_pages_gives_a_500(floor, browser):
    """From every object's change page, each page of that object it links to (a return's actions, an order
    line's correction, a parcel's resolution, a client's webhook secret), each field of its form hostile."""
    pages = set()
    for model, _model_admin in registered():
        for existing in model._default_manager.order_by("pk")[:4]:
            page = browser.get(admin_url(model, "change", existing.pk))
            if page.status_code == 200:
                pages |= {link.split("?")[0] for link in links_on(page.content.decode()) if OBJECT_PAGE.match(link)}
    assert pages, "the floor's objects link to their own pages"
    for url in sorted(pages):
        page = browser.get(url)
        assert page.status_code < 500, url
        if page.status_code != 200 or "html" not in page.headers.get("Content-Type", ""):
            continue
        forms, kinds = forms_on(page.content.decode())
        if forms:
            each_field_once(browser, url, max(forms, key=len), kinds, where=url)


# -- the floor's own screens ----------------------------------------------------------------------


def test_a_nul_in_a_dock_scan_is_refused_with_a_message_and_nothing_recorded(floor, browser):
    scans = ReceivingScan.objects.count()

    response = post_form(browser, reverse("admin:dock_scan"), {}, {"code": "RA%00"}, HTTP_ACCEPT="application/json")

    assert response.status_code == 400
    assert response.json()["message"] == "The form contains a NUL character."
    assert ReceivingScan.objects.count() == scans


def test_a_nul_in_an_admin_search_is_a_400_saying_so(browser):
    response = get_with(browser, reverse("admin:rma_returnrequest_changelist"), {"q": "RA%00"})

    assert response.status_code == 400
    assert response.content.decode() == "The query string contains a NUL character. Nothing was done."


def test_no_dock_scan_gives_a_500(floor, browser):
    for value in HOSTILE:
        for field in ("code", "idempotency_key"):
            before = counts()
            response = post_form(browser, reverse("admin:dock_scan"), {"code": "RA-0000-0000-0"}, {field: value},
                                 HTTP_ACCEPT="application/json")
            assert_refused_or_answered(response, value, before, f"dock scan {field}={value[:20]}")
            response = post_form(browser, reverse("admin:dock"), {"code": "RA-0000-0000-0"}, {field: value})
            assert_refused_or_answered(response, value, before, f"dock form {field}={value[:20]}")
        assert get_with(browser, reverse("admin:dock"), {"scan": value}).status_code < 500
    parcel = ReceivingScan.objects.get(code="NOBODY-KNOWS-ME").unexpected_parcel
    hammer_form(browser, reverse("admin:dock_parcel_note", args=[parcel.pk]), {"parcel-note": "torn"}, where="note")
    received = floor["returns"][ReturnState.RECEIVED]
    extra, kinds = form_on(browser, reverse("admin:dock"), having="sku")
    hammer_form(browser, reverse("admin:dock_extra_unit", args=[received.pk]), extra, kinds, where="extra unit")


def test_no_inspection_station_input_gives_a_500(floor, browser):
    received, inspected = floor["returns"][ReturnState.RECEIVED], floor["returns"][ReturnState.INSPECTED]
    for value in HOSTILE:
        assert get_with(browser, reverse("admin:inspection_station"), {"q": value}).status_code < 500
        assert get_with(browser, reverse("admin:inspection_station"), {"ran": value}).status_code < 500
    for url in [reverse("admin:inspection_station_unit", args=[received.pk, 1]),
                reverse("admin:inspection_station_dispositions", args=[inspected.pk])]:
        fields, kinds = form_on(browser, url)
        hammer_form(browser, url, fields, kinds, where=url)
    # A validly signed start time that is no number is ignored, not a crash.
    unit = reverse("admin:inspection_station_unit", args=[received.pk, 1])
    for started in [signing.dumps("x", salt="inspection-started"), signing.dumps({"a": 1})]:
        response = browser.post(unit, {"grade": "A", "started": started, "matches_request": "on"})
        assert response.status_code < 500


def test_no_reports_filter_gives_a_500(floor, browser):
    pages = [reverse("admin:reports"), reverse("admin:reports_csv", args=["by-reason"]),
             reverse("admin:reports_monthly")]
    good = {"date_from": "2026-01-01", "date_to": "2026-01-31", "client": str(floor["client"].pk), "month": "2026-01"}
    kinds = {"date_from": "date", "date_to": "date", "month": "date", "client": "number"}
    for url in pages:
        assert get_with(browser, url, {"date_from": NUL}).status_code == 400
        for name, kind in kinds.items():
            for value in ODD_BY_KIND[kind]:
                response = browser.get(f"{url}?{encoded(good, {name: value})}")
                assert response.status_code < 500, f"{url}?{name}={value}"
    for url in [reverse("admin:reports_monthly")]:
        hammer_form(browser, url, {"client": str(floor["client"].pk), "month": "2026-01"}, where=url)


def test_far_off_report_periods_are_a_clear_error(floor, browser):
    periods = [("9999-12-31", "9999-12-31"), ("0001-01-01", "0001-01-01"), ("0001-01-01", "2026-01-01")]
    for date_from, date_to in periods:
        response = browser.get(reverse("admin:reports"), {"date_from": date_from, "date_to": date_to})
        assert response.status_code == 200
        assert "between" in response.content.decode()
        response = browser.get(reverse("admin:reports_csv", args=["by-reason"]),
                               {"date_from": date_from, "date_to": date_to})
        assert response.status_code == 400


# -- the customer's pages: the label link and the portal ------------------------------------------------


def test_validly_signed_but_malformed_label_links_are_not_found(floor, db):
    browser = Browser()
    authorized = floor["returns"][ReturnState.AUTHORIZED]
    for payload in ["x", 1, [], {}, {"rma": authorized.pk}, {"rma": "x", "ran": 1, "until": "never"},
                    {"rma": authorized.pk, "ran": authorized.ran, "until": "never"},
                    {"rma": [authorized.pk], "ran": authorized.ran, "until": 1e30},
                    {"rma": 99999999999999999999, "ran": authorized.ran, "until": 1e30}]:
        token = signing.dumps(payload, salt=rma_selectors.LABEL_LINK_SALT)
        response = browser.get(reverse("customer_label", args=[token]))
        assert response.status_code == 404, payload
    for value in HOSTILE:
        response = browser.get(reverse("customer_label", args=["x"]).replace("/x/", f"/{value}/"))
        assert response.status_code < 500


def test_no_portal_input_gives_a_500(floor, db):
    shop = floor["client"]
    authorized = floor["returns"][ReturnState.AUTHORIZED]
    browser = Browser()
    start = reverse("portal:start", kwargs={"client_code": shop.code})
    status = reverse("portal:status", kwargs={"client_code": shop.code})
    language = reverse("portal:language", kwargs={"client_code": shop.code})
    hammer_form(browser, start, {"order_number": authorized.order.number, "email": authorized.customer.email},
                where="portal lookup")
    cache.clear()
    hammer_form(browser, status, {"ran": authorized.ran, "email": authorized.customer.email}, where="portal status")
    hammer_form(browser, language, {"language": "de", "next": start}, where="portal language")
    for value in HOSTILE:
        assert get_with(browser, status, {"ran": value}).status_code < 500
        assert browser.get(start.replace(shop.code, value)).status_code < 500
    cache.clear()
    # Proven by order number and email: the return form of the order, then the return's own pages.
    fresh = order_for(shop, quantity=2)
    response = browser.post(start, {"order_number": fresh.number, "email": fresh.customer.email})
    assert response.status_code == 302
    order_page = reverse("portal:order", kwargs={"client_code": shop.code})
    fields, kinds = form_on(browser, order_page, having="refund_method")
    hammer_form(browser, order_page, fields, kinds, where="portal return form")
    for value in ["99999999999999999999", "-1"]:
        url = reverse("portal:return", kwargs={"client_code": shop.code, "pk": 1}).replace("/1/", f"/{value}/")
        assert browser.get(url).status_code < 500
        assert browser.post(url + "cancel/").status_code < 500


def test_the_admin_login_takes_hostile_values(db):
    hammer_form(Browser(), reverse("admin:login"), {"username": "someone", "password": "wrong"}, where="admin login")


# -- the console ------------------------------------------------------------------------------------


def test_no_console_filter_or_form_gives_a_500(floor, db):
    shop = floor["client"]
    console_user(shop, "anna")
    browser = Browser()
    login = reverse("console:login")
    hammer_form(browser, login, {"username": "anna", "password": "wrong"}, where="console login")
    cache.clear()
    assert browser.post(login, {"username": "anna", "password": "correct horse battery"}).status_code == 302
    parameters = {
        reverse("console:returns"): ["q", "p", "state__exact", "o", "client", "updated_since"],
        reverse("console:refunds"): ["q", "p", "queue", "o"],
        reverse("console:reports"): ["month"],
    }
    for url, names in parameters.items():
        assert get_with(browser, url, {"q": NUL}).status_code == 400
        for name, value in itertools.product(names, ODD):
            assert get_with(browser, url, {name: value}).status_code < 500, f"{url}?{name}={value}"
    hammer_form(browser, reverse("console:two_factor"), {"token": "123456"}, where="console two factor")


# -- the API --------------------------------------------------------------------------------------------


def valid_bodies(shop: Client, rma: ReturnRequest) -> dict[str, dict]:
    return {
        reverse("api:order-create"): {
            "number": "FUZZ-1", "ordered_at": "2026-01-02T10:00:00Z", "delivered_at": "2026-01-04T10:00:00Z",
            "payment_method": "card", "payment_reference": "PSP", "currency": "EUR",
            "customer": {"email": "fuzz@example.com", "name": "Fuzz", "phone": "1", "address_line1": "1 Road",
                         "address_line2": "", "city": "Town", "region": "", "postal_code": "1", "country": "DE"},
            "lines": [{"line_number": 1, "sku": "SKU", "description": "Tee", "category": "tops", "quantity": 1,
                       "unit_price": "10.00", "serial_numbers": []}],
        },
        reverse("api:return-list"): {
            "order_number": rma.order.number, "refund_method": "original_payment",
            "items": [{"line_number": 1, "quantity": 1, "reason": "changed_mind", "comment": "", "serial_number": ""}],
        },
        reverse("api:return-cancel", args=[rma.pk]): {"reason": "kept it"},
        reverse("api:return-tracking", args=[rma.pk]): {"carrier": "DHL", "tracking_number": "JJD1"},
        reverse("api:refund-confirm", args=[1]): {"reference": "PSP-9", "replacement_order_number": ""},
    }


def leaves(body, path=()):
    """The path of every value in a JSON body, nested ones included."""
    if isinstance(body, dict):
        for key, value in body.items():
            yield (*path, key)
            yield from leaves(value, (*path, key))
    elif isinstance(body, list):
        for index, value in enumerate(body):
            yield from leaves(value, (*path, index))


MARK = "\x01hostile\x01"


def value_at(body, path):
    for step in path:
        body = body[step]
    return body


def with_value(body, path, text: str) -> str:
    """The body as JSON text, the value at `path` replaced by the JSON text `text`."""
    copy = json.loads(json.dumps(body))
    target = copy
    for step in path[:-1]:
        target = target[step]
    target[path[-1]] = MARK
    return json.dumps(copy).replace(json.dumps(MARK), text)


def api_of(floor) -> Browser:
    account = client_account(floor["client"])
    key = issue_api_key(account=account.client_account, actor=floor["staff"].manager, name="fuzz").key
    return Browser(HTTP_AUTHORIZATION=f"Token {key}")


def test_an_order_dated_far_off_is_refused_so_no_return_window_overflows(floor, db):
    api = api_of(floor)
    order = valid_bodies(floor["client"], floor["returns"][ReturnState.AUTHORIZED])[reverse("api:order-create")]
    for field, moment in [("delivered_at", "9999-12-31T23:59:59Z"), ("ordered_at", "0001-01-01T00:00:00Z")]:
        response = api.post(reverse("api:order-create"), {**order, field: moment}, content_type="application/json")

        assert response.status_code == 400
        assert "between 1 Jan 2000 and 31 Dec 2099" in response.content.decode()
    assert not Order.objects.filter(number=order["number"]).exists()


def test_no_api_body_or_filter_gives_a_500(floor, db):
    shop = floor["client"]
    api = api_of(floor)
    rma = return_in_state(ReturnState.AUTHORIZED, staff=floor["staff"], client=shop)
    refund = floor["returns"][ReturnState.REFUNDED].refunds.first()
    bodies = valid_bodies(shop, rma)
    bodies[reverse("api:refund-confirm", args=[refund.pk])] = bodies.pop(reverse("api:refund-confirm", args=[1]))
    for url, body in bodies.items():
        before = counts()
        for value in JSON_REFUSED:
            response = api.generic("POST", url, with_value(body, next(leaves(body)), value),
                                   content_type="application/json")
            assert response.status_code == 400 and counts() == before, f"{url} {value}"
        for path in leaves(body):
            for value in JSON_HOSTILE[type(value_at(body, path))]:
                response = api.generic("POST", url, with_value(body, path, value), content_type="application/json")
                assert response.status_code < 500, f"{url} {'.'.join(map(str, path))} = {value[:20]}"
        for value in ["[]", '"x"', "1e400", "{"]:
            assert api.generic("POST", url, value, content_type="application/json").status_code < 500
    lists = {reverse("api:return-list"): ["state", "ran", "order_number", "updated_since", "cursor"],
             reverse("api:refund-list"): ["status", "cursor"], reverse("api:events"): ["after", "cursor"],
             reverse("api:return-label", args=[rma.pk]): ["paper"]}
    for url, names in lists.items():
        for name, value in itertools.product(names, ODD):
            response = get_with(api, url, {name: value})
            assert response.status_code < 500, f"{url}?{name}={value[:20]}"
    for value in [NUL, *ODD]:
        assert api.get(reverse("api:order-detail", args=["x"]).replace("/x/", f"/{value}/")).status_code < 500
        assert post_form(api, reverse("api:return-list"), {}, {"x": "1"}, HTTP_IDEMPOTENCY_KEY=value).status_code < 500
