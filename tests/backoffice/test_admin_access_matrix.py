"""Who may open and post what in the admin: every role over every admin URL and action, against one table.

The URLs come from the admin site itself (every registered ModelAdmin's changelist, add, change,
delete and history pages, their own get_urls, the site's stations and report pages, every bulk
action), so a new admin or URL that is missing from MATRIX fails this test until someone decides who
may use it. Each request runs in a transaction rolled back afterwards, so one set of data serves all;
a refused POST is also checked to have changed nothing.
"""

import logging

import pytest
from django.contrib import admin
from django.contrib.admin import AdminSite
from django.contrib.admin.models import LogEntry
from django.contrib.auth.models import Group, User
from django.core.files.base import ContentFile
from django.db import transaction
from django.test import Client as BrowserClient
from django.test import RequestFactory
from django.urls import URLPattern, reverse
from django.utils import timezone
from django_otp.plugins.otp_totp.models import TOTPDevice

from api import services as api_services
from backoffice import return_actions
from backoffice import services as backoffice_services
from console import services as console_services
from importjobs.models import ImportJob, ImportStatus
from refunds.admin import RefundAdmin
from reports.models import ExportJob, ExportStatus
from rma import services as rma_services
from rma.models import ReturnEvent, ReturnState, UnexpectedParcel
from tests.factories import (
    DispositionRuleFactory,
    Staff,
    WarehouseRouteFactory,
    assigned,
    client_account,
    return_in_state,
)
from tests.refunds.gift_card_data import issued_gift_card

CS, DOCK, INSP, FIN, MGR, SU = "customer_service", "dock", "inspector", "finance", "manager", "superuser"
API, ANON = "client_api", "anonymous"
ROLES = (CS, DOCK, INSP, FIN, MGR, SU, API, ANON)
NOBODY: frozenset[str] = frozenset()
ONLY_SU = frozenset({SU})
MGR_SU = frozenset({MGR, SU})
FLOOR = frozenset({CS, DOCK, INSP, FIN, MGR, SU})  # every staff role
READERS = frozenset({CS, INSP, FIN, MGR, SU})  # who reads returns (RETURNS_READ of backoffice 0001)
CS_MGR, DOCK_MGR, INSP_MGR, FIN_MGR = ({role, MGR, SU} for role in (CS, DOCK, INSP, FIN))
CS_FIN_MGR, CS_DOCK_MGR, DOCK_INSP_MGR = frozenset({CS, FIN, MGR, SU}), frozenset({CS, DOCK, MGR, SU}), frozenset(
    {DOCK, INSP, MGR, SU})
CS_DOCK_INSP_MGR = frozenset({CS, DOCK, INSP, MGR, SU})


def model(label: str, *, list, view, add, change, delete, actions=None) -> dict:
    ops = {"list": list, "view": view, "add": add, "change": change, "delete": delete}
    ops.update({f"action:{name}": roles for name, roles in (actions or {}).items()})
    return {(label, op): frozenset(roles) for op, roles in ops.items()}


def url(name: str, *, get, post) -> dict:
    return {(name, "GET"): frozenset(get), (name, "POST"): frozenset(post)}


# (what, operation) -> the roles allowed. For a model (its label): "list" is GET of its changelist,
# "view" GET of its change page and history (of the walk's object of that model); "add" GET and POST
# of the add page; "change" POST of the change page; "delete" GET and POST of the delete page;
# "action:<name>" the bulk action POSTed from the changelist with the object ticked.
# For another admin URL (its name, with the slug it was asked with after a colon): "GET" and "POST".
# Allowed means the permission check let the role in (a page, a redirect, a form's errors); refused
# means 403, the login page, 405, or a refusal message.
MATRIX: dict[tuple[str, str], frozenset[str]] = {
    # a model's admin: list, view, add, change, delete, and its bulk actions
    **model("api.ApiKey", list=MGR_SU, view=MGR_SU, add=MGR_SU, change=NOBODY, delete=NOBODY,
            actions={"revoke_selected": MGR_SU}),
    **model("auth.Group", list=MGR_SU, view=MGR_SU, add=ONLY_SU, change=ONLY_SU, delete=ONLY_SU,
            actions={"delete_selected": ONLY_SU}),
    **model("auth.User", list=MGR_SU, view=MGR_SU, add=ONLY_SU, change=ONLY_SU, delete=ONLY_SU,
            actions={"delete_selected": ONLY_SU}),
    **model("backoffice.AccessChange", list=MGR_SU, view=MGR_SU, add=NOBODY, change=NOBODY, delete=NOBODY),
    **model("backoffice.OperatorAccount", list=MGR_SU, view=MGR_SU, add=MGR_SU, change=MGR_SU, delete=NOBODY),
    **model("console.ConsoleAccount", list=MGR_SU, view=MGR_SU, add=MGR_SU, change=NOBODY, delete=NOBODY),
    **model("disposition.Disposition", list=READERS, view=READERS, add=NOBODY, change=NOBODY, delete=NOBODY),
    **model("disposition.DispositionRule", list=INSP_MGR, view=INSP_MGR, add=MGR_SU, change=MGR_SU, delete=MGR_SU,
            actions={"delete_selected": MGR_SU}),
    **model("disposition.StockMovement", list=MGR_SU, view=MGR_SU, add=NOBODY, change=NOBODY, delete=NOBODY),
    **model("inspection.Inspection", list=READERS, view=READERS, add=NOBODY, change=NOBODY, delete=NOBODY),
    # Managers delete a console user's authenticator (console 0002); nobody sees a key or QR code again.
    # Whoever may import something (customer service: carrier files; finance: settlement confirmations)
    # lists import jobs, and sees their own only; the walk's job is a manager's.
    **model("importjobs.ImportJob", list=CS_FIN_MGR, view=MGR_SU, add=NOBODY, change=NOBODY, delete=NOBODY),
    # The walk's device is a superuser's: a manager sees and deletes console users' devices only (their bulk
    # delete runs over their own list, which does not hold it: it answers like a done action, deleting nothing).
    **model("otp_totp.TOTPDevice", list=MGR_SU, view=ONLY_SU, add=NOBODY, change=NOBODY, delete=ONLY_SU,
            actions={"delete_selected": MGR_SU}),
    **model("outbox.Message", list=FIN_MGR, view=FIN_MGR, add=NOBODY, change=NOBODY, delete=NOBODY,
            actions={"retry_selected": FIN_MGR}),
    **model("refunds.GiftCard", list=FIN_MGR, view=FIN_MGR, add=NOBODY, change=NOBODY, delete=NOBODY),
    **model("refunds.Refund", list=CS_FIN_MGR, view=CS_FIN_MGR, add=NOBODY, change=NOBODY, delete=NOBODY,
            actions={"approve_selected": FIN_MGR, "deny_selected": FIN_MGR, "issue_selected": FIN_MGR}),
    **model("refunds.StoreCreditAccount", list=FIN_MGR, view=FIN_MGR, add=NOBODY, change=NOBODY, delete=NOBODY),
    **model("refunds.StoreCreditEntry", list=FIN_MGR, view=FIN_MGR, add=FIN_MGR, change=NOBODY, delete=NOBODY),
    **model("reports.ExportJob", list=FIN_MGR, view=MGR_SU, add=NOBODY, change=MGR_SU, delete=NOBODY),
    **model("rma.CarrierEvent", list=CS_DOCK_MGR, view=CS_DOCK_MGR, add=NOBODY, change=NOBODY, delete=NOBODY),
    **model("rma.Client", list=FLOOR, view=FLOOR, add=MGR_SU, change=MGR_SU, delete=ONLY_SU,
            actions={"delete_selected": ONLY_SU}),
    **model("rma.ClientAccount", list=MGR_SU, view=MGR_SU, add=MGR_SU, change=MGR_SU, delete=ONLY_SU,
            actions={"delete_selected": ONLY_SU}),
    **model("rma.Customer", list=CS_FIN_MGR, view=CS_FIN_MGR, add=MGR_SU, change=CS_MGR, delete=NOBODY),
    **model("rma.ExtraUnit", list=CS_DOCK_INSP_MGR, view=CS_DOCK_INSP_MGR, add=NOBODY, change=NOBODY, delete=NOBODY),
    **model("rma.Order", list=CS_FIN_MGR, view=CS_FIN_MGR, add=MGR_SU, change=NOBODY, delete=NOBODY),
    **model("rma.ReceivingScan", list=CS_DOCK_MGR, view=CS_DOCK_MGR, add=NOBODY, change=NOBODY, delete=NOBODY),
    **model("rma.ReturnEvent", list=READERS, view=READERS, add=NOBODY, change=NOBODY, delete=NOBODY),
    **model("rma.ReturnItem", list=FLOOR, view=FLOOR, add=NOBODY, change=NOBODY, delete=NOBODY),
    **model("rma.ReturnPolicy", list=CS_FIN_MGR, view=CS_FIN_MGR, add=MGR_SU, change=MGR_SU, delete=NOBODY),
    **model("rma.ReturnRequest", list=FLOOR, view=FLOOR, add=CS_MGR, change=CS_MGR, delete=NOBODY,
            actions={"authorize_selected": CS_MGR, "cancel_selected": CS_MGR, "print_labels": CS_DOCK_MGR,
                     "print_labels_with_slips": CS_DOCK_MGR, "reject_selected": CS_MGR}),
    **model("rma.UnexpectedParcel", list=CS_DOCK_MGR, view=CS_DOCK_MGR, add=NOBODY, change=NOBODY, delete=NOBODY),
    **model("rma.Warehouse", list=FLOOR, view=FLOOR, add=MGR_SU, change=MGR_SU, delete=ONLY_SU,
            actions={"delete_selected": ONLY_SU}),
    **model("rma.WarehouseAssignment", list=FLOOR, view=FLOOR, add=MGR_SU, change=MGR_SU, delete=ONLY_SU,
            actions={"delete_selected": ONLY_SU}),
    **model("rma.WarehouseRoute", list=FLOOR, view=FLOOR, add=MGR_SU, change=MGR_SU, delete=ONLY_SU,
            actions={"delete_selected": ONLY_SU}),
    # the other admin URLs (an <action> URL once per slug): GET, POST
    **url("api_apikey_issue", get=MGR_SU, post=MGR_SU),
    **url("auth_user_password_change", get=ONLY_SU, post=ONLY_SU),
    **url("disposition_disposition_export", get=FIN_MGR, post=FIN_MGR),
    **url("disposition_dispositionrule_test", get=INSP_MGR, post=INSP_MGR),
    **url("disposition_stockmovement_export", get=MGR_SU, post=MGR_SU),
    **url("dock", get=DOCK_MGR, post=DOCK_MGR),
    **url("dock_keep_alive", get=NOBODY, post=FLOOR),
    **url("dock_extra_unit", get=NOBODY, post=DOCK_INSP_MGR),
    **url("dock_parcel_note", get=NOBODY, post=DOCK_MGR),
    **url("dock_scan", get=NOBODY, post=DOCK_MGR),
    **url("inspection_inspection_export", get=FIN_MGR, post=FIN_MGR),
    **url("inspection_station", get=INSP_MGR, post=INSP_MGR),
    **url("inspection_station_dispositions", get=INSP_MGR, post=INSP_MGR),
    **url("inspection_station_return", get=INSP_MGR, post=INSP_MGR),
    **url("inspection_station_unit", get=INSP_MGR, post=INSP_MGR),
    **url("refunds_refund_act:approve", get=NOBODY, post=FIN_MGR),
    **url("refunds_refund_act:deny", get=NOBODY, post=FIN_MGR),
    **url("refunds_refund_act:issue", get=NOBODY, post=FIN_MGR),
    **url("refunds_refund_act:switch", get=NOBODY, post=CS_MGR),
    **url("refunds_refund_export", get=FIN_MGR, post=FIN_MGR),
    **url("refunds_refund_import", get=FIN_MGR, post=FIN_MGR),
    **url("refunds_refund_process_import", get=NOBODY, post=FIN_MGR),
    **url("refunds_refund_settlement", get=FIN_MGR, post=FIN_MGR),
    **url("refunds_refund_totals", get=CS_FIN_MGR, post=CS_FIN_MGR),
    **url("reports", get=MGR_SU, post=MGR_SU),
    **url("reports_csv", get=MGR_SU, post=MGR_SU),
    **url("reports_exportjob_download", get=MGR_SU, post=MGR_SU),
    **url("reports_monthly", get=MGR_SU, post=MGR_SU),
    **url("rma_carrierevent_import", get=CS_MGR, post=CS_MGR),
    **url("rma_carrierevent_process_import", get=NOBODY, post=CS_MGR),
    **url("rma_client_webhook_retire", get=NOBODY, post=MGR_SU),
    **url("rma_client_webhook_secret", get=NOBODY, post=MGR_SU),
    **url("rma_client_webhook_test", get=NOBODY, post=MGR_SU),
    **url("rma_customer_erase", get=MGR_SU, post=MGR_SU),
    **url("rma_extraunit_resolve", get=CS_MGR, post=CS_MGR),
    **url("rma_order_correct_line", get=MGR_SU, post=MGR_SU),
    **url("rma_order_import", get=MGR_SU, post=MGR_SU),
    **url("rma_order_process_import", get=NOBODY, post=MGR_SU),
    **url("rma_receivingscan_export", get=MGR_SU, post=MGR_SU),
    **url("rma_returnitem_export", get=FIN_MGR, post=FIN_MGR),
    **url("rma_returnrequest_act:attach-receipt", get=CS_MGR, post=CS_MGR),
    **url("rma_returnrequest_act:authorize", get=CS_MGR, post=CS_MGR),
    **url("rma_returnrequest_act:cancel", get=CS_MGR, post=CS_MGR),
    **url("rma_returnrequest_act:correct-refund", get=FIN_MGR, post=FIN_MGR),
    **url("rma_returnrequest_act:customer-told", get=CS_MGR, post=CS_MGR),
    **url("rma_returnrequest_act:note", get=READERS, post=READERS),
    **url("rma_returnrequest_act:override", get=MGR_SU, post=MGR_SU),
    **url("rma_returnrequest_act:receive", get=DOCK_MGR, post=DOCK_MGR),
    **url("rma_returnrequest_act:receive-expired", get=MGR_SU, post=MGR_SU),
    **url("rma_returnrequest_act:reject", get=CS_MGR, post=CS_MGR),
    **url("rma_returnrequest_act:set-tracking", get=CS_MGR, post=CS_MGR),
    **url("rma_returnrequest_act:ship", get=CS_MGR, post=CS_MGR),
    **url("rma_returnrequest_export", get=FIN_MGR, post=FIN_MGR),
    **url("rma_returnrequest_extra_unit", get=NOBODY, post=DOCK_INSP_MGR),
    **url("rma_returnrequest_label", get=CS_DOCK_MGR, post=CS_DOCK_MGR),
    **url("rma_returnrequest_timeline", get=FLOOR, post=NOBODY),
    **url("rma_unexpectedparcel_resolve", get=CS_MGR, post=CS_MGR),
    # the second factor's page: every signed-in staff member reaches it (it sends on whoever needs none)
    **url("two_factor", get=FLOOR, post=FLOOR),
}

# A row outside the role's queryset is "doesn't exist" (Django's wording, curly quote and all).
REFUSALS = ("You are not allowed", "No action selected.", "You may not", "only a superuser",
            "doesn\N{RIGHT SINGLE QUOTATION MARK}t exist", "No items have been changed.")
# What a URL is POSTed with where its form is checked before the permission (valid, so the service decides).
POSTED = {
    "dock_extra_unit": {"extra-description": "A spare charger"},
    "rma_returnrequest_extra_unit": {"extra-description": "A spare charger"},
}


def _site_own_urls() -> list[URLPattern]:
    """The site's URLs beyond the AdminSite's own (login, index, app lists, ...): stations, reports, exports."""
    base = {pattern.name for pattern in AdminSite().get_urls() if getattr(pattern, "name", None)}
    return [pattern for pattern in admin.site.get_urls()
            if isinstance(pattern, URLPattern) and pattern.name and pattern.name not in base | {"app_list"}]


def _model_own_urls(model, model_admin) -> list[URLPattern]:
    prefix = f"{model._meta.app_label}_{model._meta.model_name}_"
    standard = {prefix + page for page in ("changelist", "add", "change", "delete", "history")}
    return [pattern for pattern in model_admin.get_urls()
            if isinstance(pattern, URLPattern) and pattern.name and pattern.name not in standard]


# The slugs each URL with an <action> is asked with: every one the code knows.
ACT_SLUGS = {
    "rma_returnrequest_act": sorted(return_actions.ACTIONS_BY_NAME),
    "refunds_refund_act": sorted(RefundAdmin.ONE_AT_A_TIME),
}
PARAMETER_FIXED = {"unit_number": 1, "label_format": "4x6", "key": "volume"}


class World:
    """One of everything the admin shows, made through the services, and a logged-in client per role."""

    def __init__(self) -> None:
        staff = Staff()
        self.users = {group: getattr(staff, group) for group in (CS, DOCK, INSP, FIN, MGR)}
        self.users[SU] = User.objects.create_superuser("root", "root@example.com", "x")
        self.rma = return_in_state(ReturnState.REFUNDED, staff=staff, refund_method="store_credit")
        merchant = self.rma.client
        rma_services.generate_webhook_secret(client=merchant, actor=staff.manager)
        self.secret = merchant.webhook_secret
        self.users[API] = client_account(merchant)
        WarehouseRouteFactory(client=merchant, warehouse=merchant.default_warehouse)
        assigned(self.users[DOCK], merchant.default_warehouse)
        # The key on a later account: a client account holding keys is never deleted (its keys stay, traced).
        person = console_services.create_console_user(
            client=merchant, username="console-person", email="c@example.com", password="a long password 123",
            actor=staff.manager,
        )
        api_services.issue_api_key(account=person, actor=staff.manager, name="shop")
        rma_services.receive_scan(code="UNKNOWN-PARCEL-1", actor=staff.dock)
        received = return_in_state(ReturnState.RECEIVED, staff=staff, client=merchant)
        rma_services.record_extra_unit(rma=received, actor=staff.dock, description="A spare charger")
        rma_services.record_carrier_event(tracking_number="JJD1", event="delivered", occurred_at=timezone.now(),
                                          actor=staff.customer_service, carrier="DHL")
        DispositionRuleFactory(client=merchant, forced_action="restock")
        job = ExportJob.objects.create(requested_by=staff.manager, model_label="rma.returnrequest", file_format="csv",
                                       status=ExportStatus.DONE)
        job.file.save("returns.csv", ContentFile(b"ran\n"))
        TOTPDevice.objects.create(user=self.users[SU], name="phone")
        ImportJob.objects.create(requested_by=staff.manager, kind="orders", file_name="orders.csv", file_format="csv",
                                 status=ImportStatus.DONE, summary="2 orders created")
        issued_gift_card(staff)
        self.operator = backoffice_services.create_operator_account(
            username="new-dock", email="nd@example.com", groups=["dock"], actor=staff.manager,
        )
        self.objects = {}
        self.clients = {ANON: BrowserClient()}
        for role, user in self.users.items():
            self.clients[role] = BrowserClient()
            self.clients[role].force_login(user)

    def object_of(self, model):
        if model._meta.label == "backoffice.OperatorAccount":
            return self.operator
        found = model._default_manager.order_by("pk").first()
        assert found is not None, f"the walk needs one {model._meta.label}: make one in World"
        return found


def _kwargs(pattern: URLPattern, world: World, obj) -> dict:
    """Sample arguments for a URL's parameters: the object at hand, the return, its parts."""
    by_name = {
        "object_id": obj.pk if obj else None, "pk": obj.pk if obj else None, "id": obj.pk if obj else None,
        "client_id": world.rma.client_id, "rma_id": world.rma.pk, "order_id": world.rma.order_id,
        "line_id": world.rma.order.lines.first().pk, "job_id": ExportJob.objects.first().pk,
        "parcel_id": UnexpectedParcel.objects.first().pk, "customer_id": world.rma.order.customer_id,
        **PARAMETER_FIXED,
    }
    return {name: by_name[name] for name in pattern.pattern.converters if name != "action"}


def _outcome(response, *, bulk_action: bool = False) -> str:
    if response.status_code in (403, 405):
        return "refused"
    if response.status_code in (301, 302) and "/login/" in response["Location"]:
        return "refused"
    if bulk_action and response.status_code == 200 and "cl" in (response.context or {}):
        return "refused"  # the list again, as if nothing was posted: the action is not this role's
    said = [str(message) for message in getattr(response.wsgi_request, "_messages", [])]
    if any(refusal in text for text in said for refusal in REFUSALS):
        return "refused"
    if response.status_code < 400 or response.status_code == 400:
        return "allowed"
    return f"status {response.status_code}"


def _fingerprint(model) -> tuple:
    return (
        list(model._base_manager.order_by("pk").values()), LogEntry.objects.count(), ReturnEvent.objects.count(),
        list(User.objects.order_by("pk").values_list("pk", "is_active", "is_superuser", "is_staff")),
        list(Group.permissions.through.objects.order_by("pk").values_list("pk", flat=True)),
        list(User.groups.through.objects.order_by("pk").values_list("user_id", "group_id")),
    )


class Walk:
    def __init__(self, world: World) -> None:
        self.world = world
        self.observed: dict[tuple[str, str], dict[str, set[str]]] = {}
        self.problems: list[str] = []
        self.before: dict[type, tuple] = {}

    def request(self, key: tuple[str, str], role: str, method: str, url: str, data=None, model=None) -> None:
        client = self.world.clients[role]
        # Every request is rolled back, so the data before each one is the data before the first.
        checked = model is not None and method == "POST"
        if checked and model not in self.before:
            self.before[model] = _fingerprint(model)
        with transaction.atomic():
            try:
                response = client.post(url, data or {}) if method == "POST" else client.get(url)
                outcome = _outcome(response, bulk_action=key[1].startswith("action:"))
            except Exception as error:  # a 500: reported with the rest, not stopping the walk
                outcome = f"error {type(error).__name__}: {error}"
            if checked and outcome == "refused" and _fingerprint(model) != self.before[model]:
                self.problems.append(f"{role} {method} {url}: refused, yet something changed")
            transaction.set_rollback(True)
        client.cookies.pop("messages", None)
        self.observed.setdefault(key, {}).setdefault(outcome, set()).add(f"{role} {method} {url}")

    def every_role(self, key, method, url, data=None, model=None) -> None:
        for role in ROLES:
            self.request(key, role, method, url, data, model)


def _walk(world: World) -> Walk:
    walk = Walk(world)
    for model, model_admin in sorted(admin.site._registry.items(), key=lambda item: item[0]._meta.label):
        label, info = model._meta.label, (model._meta.app_label, model._meta.model_name)
        obj = world.object_of(model)
        def page(name, *args, info=info):
            return reverse(f"admin:{info[0]}_{info[1]}_{name}", args=args)

        walk.every_role((label, "list"), "GET", page("changelist"))
        for url in (page("change", obj.pk), page("history", obj.pk)):
            walk.every_role((label, "view"), "GET", url)
        for method in ("GET", "POST"):
            walk.every_role((label, "add"), method, page("add"), model=model)
            walk.every_role((label, "delete"), method, page("delete", obj.pk), {"post": "yes"}, model=model)
        walk.every_role((label, "change"), "POST", page("change", obj.pk), model=model)
        for name in model_admin.get_actions(_superuser_request(world)):
            data = {"action": name, admin.helpers.ACTION_CHECKBOX_NAME: [obj.pk], "index": "0"}
            walk.every_role((label, f"action:{name}"), "POST", page("changelist"), data, model=model)
        for pattern in _model_own_urls(model, model_admin):
            _walk_url(walk, pattern, _kwargs(pattern, world, obj), model)
    for pattern in _site_own_urls():
        _walk_url(walk, pattern, _kwargs(pattern, world, None), ReturnEvent)
    return walk


def _walk_url(walk: Walk, pattern: URLPattern, kwargs: dict, model) -> None:
    for slug in ACT_SLUGS.get(pattern.name, [None]):
        arguments = {**kwargs, "action": slug} if slug else kwargs
        url = reverse(f"admin:{pattern.name}", kwargs=arguments)
        name = f"{pattern.name}:{slug}" if slug else pattern.name
        for method in ("GET", "POST"):
            walk.every_role((name, method), method, url, POSTED.get(pattern.name), model=model)


def _superuser_request(world: World):
    request = RequestFactory().get("/admin/")
    request.user = world.users[SU]
    return request


def _differences(walk: Walk) -> list[str]:
    found = list(walk.problems)
    for key, outcomes in sorted(walk.observed.items()):
        if key not in MATRIX:
            allowed = sorted({hit.split(" ", 1)[0] for hit in outcomes.get("allowed", ())})
            found.append(f"{key} is not in MATRIX: decide who may (allowed now: {allowed})")
            continue
        expected = MATRIX[key]
        for outcome, hits in sorted(outcomes.items()):
            for hit in sorted(hits):
                role = hit.split(" ", 1)[0]
                if outcome not in ("allowed", "refused"):
                    found.append(f"{key}: {hit}: {outcome}")
                elif (outcome == "allowed") != (role in expected):
                    should = "allowed" if role in expected else "refused"
                    found.append(f"{key}: {hit}: {outcome}, the matrix says {should}")
    found += [f"{key} is in MATRIX but no URL asks for it" for key in MATRIX if key not in walk.observed]
    return found


@pytest.fixture
def quick_requests(settings):
    # Sessions in signed cookies: no session row read and written around each of thousands of requests.
    settings.SESSION_ENGINE = "django.contrib.sessions.backends.signed_cookies"
    # Messages in their own cookie only (never spilling into the session), dropped after each request,
    # so a request is judged by its own messages alone.
    settings.MESSAGE_STORAGE = "django.contrib.messages.storage.cookie.CookieStorage"
    # Django logs every 403 with its traceback: thousands here, and slow.
    logger = logging.getLogger("django.request")
    level = logger.level
    logger.setLevel(logging.ERROR)
    yield
    logger.setLevel(level)


@pytest.mark.django_db
def test_every_role_reaches_exactly_what_the_matrix_allows(quick_requests):
    walk = _walk(World())

    differences = _differences(walk)

    assert not differences, "\n".join(differences)

