"""Admin of the rma stage: clients, warehouses and their routes and staff, policies, customers, orders,
scans, and the queues of unexpected parcels and extra units that customer service resolves.

The return itself is shown by backoffice.admin, which composes every stage.
"""

from urllib.parse import urlencode

from django import forms
from django.contrib import admin, messages
from django.contrib.auth.models import User
from django.core.exceptions import PermissionDenied
from django.db import models as django_models
from django.db.models import Case, Exists, OuterRef, Subquery, Value, When
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html
from django.utils.text import Truncator
from import_export.admin import ImportMixin

from core.admin import ReadOnlyAdmin, SafeAutocompleteMixin
from core.errors import DomainError
from core.forms import ChoiceListField, TagListField, validate_in_our_years
from core.import_admin import CheckedCSV, CheckedImportMixin, CheckedXLSX, XLSXFormulasAsText
from core.moments import format_moment
from core.money import format_money
from importjobs.admin import BackgroundImportMixin
from rma import models, selectors, services, tracking_import
from rma.erasure_admin import CustomerErasureAdmin
from rma.list_admin import ListedAdmin, SearchedAdmin
from rma.resources import CarrierEventResource, OrderImportResource
from rma.states import HOLDING_PROOF_OF_PURCHASE
from rma.webhook_admin import WebhookSettingsAdmin, signing_secrets_text

POLICY_TERMS = [
    "window_days", "window_starts_from", "final_sale_skus", "final_sale_categories", "accepted_reasons",
    "restocking_fee_percent", "restocking_fee_reasons", "return_shipping_fee", "customer_pays_shipping_reasons",
    "auto_authorize", "ran_validity_days", "refund_methods", "store_credit_bonus_percent",
    "max_returns_per_customer", "return_limit_period_days", "receipt_required_above", "second_approval_above",
    "packing_instructions",
]


@admin.register(models.Warehouse)
class WarehouseAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "city", "country"]
    search_fields = ["code", "name", "city"]


class WarehouseRouteForm(forms.ModelForm):
    class Meta:
        model = models.WarehouseRoute
        fields = ["client", "country", "warehouse"]

    def clean_country(self) -> str:
        # Routes are looked up in upper case; a manager may type "at".
        return self.cleaned_data["country"].strip().upper()


@admin.register(models.WarehouseRoute)
class WarehouseRouteAdmin(admin.ModelAdmin):
    """Per client, the warehouse that parcels shipped from a country go to; other countries go to the
    client's default warehouse. Authorization reads them; an authorized return keeps its warehouse."""

    form = WarehouseRouteForm
    list_display = ["client", "country", "warehouse"]
    list_filter = ["client", "warehouse"]
    list_select_related = ["client", "warehouse"]
    search_fields = ["client__code", "client__name", "country"]


class WarehouseRouteInline(admin.TabularInline):
    model = models.WarehouseRoute
    form = WarehouseRouteForm
    extra = 0


@admin.register(models.WarehouseAssignment)
class WarehouseAssignmentAdmin(SafeAutocompleteMixin, admin.ModelAdmin):
    """The site each staff member works at; whoever has none works for the whole facility."""

    list_display = ["user", "warehouse"]
    list_filter = ["warehouse"]
    list_select_related = ["user", "warehouse"]
    search_fields = ["user__username", "user__first_name", "user__last_name"]
    autocomplete_fields = ["user"]


class ClientPeopleOnly:
    """A client account is for a client's people: a manager never links staff (a superuser, another
    manager, themselves) to a client, which would change how the services read them."""

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "user":
            kwargs["queryset"] = User.objects.filter(is_staff=False, is_superuser=False)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


class ClientAccountInline(ClientPeopleOnly, SafeAutocompleteMixin, admin.TabularInline):
    model = models.ClientAccount
    extra = 0
    autocomplete_fields = ["user"]


@admin.register(models.Client)
class ClientAdmin(WebhookSettingsAdmin, admin.ModelAdmin):
    list_display = ["code", "name", "time_zone", "default_warehouse", "contact_email", "is_active"]
    list_filter = ["is_active", "default_warehouse"]
    list_select_related = ["default_warehouse"]
    search_fields = ["code", "name", "contact_email"]
    fieldsets = [
        (None, {"fields": ["code", "name", "is_active", "time_zone", "default_warehouse"]}),
        ("Dock", {"fields": ["dock_instructions"]}),
        ("Contact", {"fields": ["contact_name", "contact_email", "contact_phone"]}),
        ("Webhooks", {"fields": ["webhook_url", "signing_secrets"], "classes": ["webhooks"]}),
        ("Order lookup", {"fields": ["order_lookup_url"]}),
        ("Target hours per stage", {"fields": [
            "target_hours_requested", "target_hours_authorized", "target_hours_in_transit",
            "target_hours_received", "target_hours_inspected", "target_hours_dispositioned",
        ]}),
    ]
    readonly_fields = ["signing_secrets"]
    inlines = [WarehouseRouteInline, ClientAccountInline]
    # A URL typed without a scheme is read as https: the clients' endpoints must be (outbox.destinations).
    formfield_overrides = {django_models.URLField: {"assume_scheme": "https"}}

    @admin.display(description="signing secrets")
    def signing_secrets(self, client: models.Client) -> str:
        return signing_secrets_text(client)


@admin.register(models.ClientAccount)
class ClientAccountAdmin(ClientPeopleOnly, SafeAutocompleteMixin, admin.ModelAdmin):
    list_display = ["user", "client"]
    list_select_related = ["user", "client"]
    autocomplete_fields = ["user"]


class ReturnPolicyForm(forms.ModelForm):
    """The policy's lists as a manager thinks of them: reasons and refund methods ticked, SKUs and categories typed."""

    final_sale_skus = TagListField(
        label="Final-sale SKUs", help_text="Never returnable. One a line, or separated by commas."
    )
    final_sale_categories = TagListField(
        label="Final-sale categories", help_text="Every SKU of these order-line categories is final sale."
    )
    accepted_reasons = ChoiceListField(choices=models.Reason.choices, required=True)
    restocking_fee_reasons = ChoiceListField(
        choices=models.Reason.choices, help_text="Units returned for these reasons carry the restocking fee."
    )
    customer_pays_shipping_reasons = ChoiceListField(
        choices=models.Reason.choices, label="Customer pays return shipping for",
        help_text="Returns with a unit sent back for one of these reasons pay the return shipping fee.",
    )
    refund_methods = ChoiceListField(
        choices=models.RefundMethod.choices,
        help_text="Offered to the customer, the first ticked the default; none ticked: the original payment.",
    )

    class Meta:
        model = models.ReturnPolicy
        fields = ["client", *POLICY_TERMS]
        labels = {"ran_validity_days": "RAN validity (days)", "window_days": "Return window (days)",
                  "auto_authorize": "Authorize at once when every check passes"}


@admin.register(models.ReturnPolicy)
class ReturnPolicyAdmin(admin.ModelAdmin):
    """Saving a policy publishes a new version; returns keep the version they were requested under."""

    form = ReturnPolicyForm

    list_display = ["client", "version", "window_days", "window_starts_from", "auto_authorize",
                    "restocking_fee_percent", "created_by", "created_at"]
    list_filter = ["client"]
    list_select_related = ["client", "created_by"]
    fields = ["client", *POLICY_TERMS]

    def get_readonly_fields(self, request, obj=None):
        return ["client"] if obj else []

    def has_change_permission(self, request, obj=None) -> bool:
        return request.user.has_perm("rma.add_returnpolicy")

    def has_delete_permission(self, request, obj=None) -> bool:
        return False

    def save_model(self, request, obj, form, change) -> None:
        terms = {name: form.cleaned_data[name] for name in POLICY_TERMS}
        try:
            published = services.publish_policy_version(client=obj.client, actor=request.user, **terms)
        except DomainError as error:
            self.message_user(request, error.message, messages.ERROR)
            return
        obj.pk, obj.version = published.pk, published.version
        self.message_user(request, f"Published {published}; existing returns keep their version.", messages.INFO)

    def render_change_form(self, request, context, add=False, change=False, form_url="", obj=None):
        context["title"] = f"{obj}: edit to publish version {obj.version + 1}" if obj else "New return policy"
        return super().render_change_form(request, context, add, change, form_url, obj)


@admin.register(models.Customer)
class CustomerAdmin(CustomerErasureAdmin, admin.ModelAdmin):
    list_display = ["email", "name", "client", "phone", "city"]
    readonly_fields = ["erased_at", "erased_by", "erasure_reason"]
    list_filter = ["client"]
    list_select_related = ["client"]
    search_fields = ["email", "name", "phone"]


class OrderLineInline(admin.TabularInline):
    """Lines are entered with a new order; afterwards each is corrected through its own form, with a reason."""

    model = models.OrderLine
    extra = 0
    can_delete = False
    fields = ["line_number", "sku", "description", "category", "quantity", "unit_price", "serial_numbers"]
    shown_fields = ["line_number", "sku", "description", "category", "quantity", "price_column", "serial_numbers",
                    "correct_link"]

    def get_fields(self, request, obj=None):
        return self.shown_fields if obj else self.fields

    def get_readonly_fields(self, request, obj=None):
        return self.shown_fields if obj else []

    def get_queryset(self, request):
        # Which return holds each line as its proof of purchase, in the one query of the lines.
        claims = models.ReturnItem.objects.filter(
            order_line=OuterRef("pk"), return_request__state__in=HOLDING_PROOF_OF_PURCHASE
        )
        claimed_by = Subquery(claims.order_by("return_request_id").values("return_request__ran")[:1])
        return super().get_queryset(request).select_related("order").annotate(
            claimed_by=claimed_by, claimed=Exists(claims)
        )

    @admin.display(description="unit price")
    def price_column(self, line: models.OrderLine) -> str:
        return format_money(line.unit_price, line.order.currency)

    def has_add_permission(self, request, obj=None) -> bool:
        return obj is None and super().has_add_permission(request, obj)

    def has_change_permission(self, request, obj=None) -> bool:
        return obj is None and super().has_change_permission(request, obj)

    @admin.display(description="")
    def correct_link(self, line: models.OrderLine) -> str:
        if not line.pk:
            return ""
        if line.claimed:
            return f"claimed by return {line.claimed_by or 'awaiting its RAN'}"
        url = reverse("admin:rma_order_correct_line", args=[line.order_id, line.pk])
        return format_html('<a href="{}">Correct…</a>', url)


class OrderCorrectionInline(admin.TabularInline):
    model = models.OrderCorrection
    extra = 0
    can_delete = False
    fields = ["corrected_at", "line", "field", "old_value", "new_value", "reason", "corrected_by"]
    readonly_fields = fields
    verbose_name_plural = "corrections"

    def has_view_permission(self, request, obj=None) -> bool:
        # The history belongs to the order: whoever may see the order sees how it was corrected.
        return request.user.has_perm("rma.view_order")

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("line", "corrected_by")


class OrderLineCorrectionForm(forms.ModelForm):
    reason = forms.CharField(max_length=2000, widget=forms.Textarea(attrs={"rows": 3}),
                             help_text="Why the client's order was wrong; kept with the correction.")

    class Meta:
        model = models.OrderLine
        fields = list(services.orders.CORRECTABLE_LINE_FIELDS)


@admin.register(models.Order)
class OrderAdmin(BackgroundImportMixin, CheckedImportMixin, SafeAutocompleteMixin, ImportMixin, admin.ModelAdmin):
    """Orders, and their import from a client's CSV or XLSX file: a preview first, then all or nothing."""

    list_display = ["number", "client", "customer", "ordered_at", "delivered_at", "payment_method", "currency"]
    list_filter = ["client", "payment_method"]
    list_select_related = ["client", "customer"]
    search_fields = ["number", "customer__email"]
    autocomplete_fields = ["customer"]
    inlines = [OrderLineInline, OrderCorrectionInline]
    resource_classes = [OrderImportResource]
    import_formats = [CheckedCSV, XLSXFormulasAsText]
    import_template_name = "admin/rma/order/import.html"
    background_import_kind = "orders"

    def has_import_permission(self, request) -> bool:
        return request.user.has_perm("reports.import_orders")

    def formfield_for_dbfield(self, db_field, request, **kwargs):
        # The dates an import accepts (rma.order_import), no other: a far-off one breaks every window.
        field = super().formfield_for_dbfield(db_field, request, **kwargs)
        if isinstance(db_field, django_models.DateTimeField) and field is not None:
            field.validators.append(validate_in_our_years)
        return field

    def get_fields(self, request, obj=None):
        fields = super().get_fields(request, obj)
        if obj is None:
            return fields
        shown = {"outbound_shipping_paid": "shipping_column", "refunded_outside": "refunded_outside_column"}
        return [shown.get(name, name) for name in fields if name not in {"shipping_column", "refunded_outside_column"}]

    @admin.display(description="outbound shipping paid")
    def shipping_column(self, order: models.Order) -> str:
        return format_money(order.outbound_shipping_paid, order.currency)

    @admin.display(description="refunded outside")
    def refunded_outside_column(self, order: models.Order) -> str:
        return format_money(order.refunded_outside, order.currency)

    def get_readonly_fields(self, request, obj=None):
        return ["shipping_column", "refunded_outside_column"] if obj else []

    def has_change_permission(self, request, obj=None) -> bool:
        # An order is the proof of purchase of its returns: once entered, its lines are corrected one by one
        # (rma.services.correct_order_line) and the rest of it through a new import of the order.
        return obj is None and super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None) -> bool:
        return False

    def get_urls(self):
        own = [path("<int:order_id>/lines/<int:line_id>/correct/", self.admin_site.admin_view(self.correct_line_view),
                    name="rma_order_correct_line")]
        return own + super().get_urls()

    def correct_line_view(self, request: HttpRequest, order_id: int, line_id: int) -> HttpResponse:
        if not request.user.has_perm("rma.change_orderline"):
            raise PermissionDenied
        line = get_object_or_404(models.OrderLine.objects.select_related("order"), pk=line_id, order_id=order_id)
        form = OrderLineCorrectionForm(request.POST or None, instance=models.OrderLine.objects.get(pk=line.pk))
        back = reverse("admin:rma_order_change", args=[order_id])
        if request.method == "POST" and form.is_valid():
            changes = {name: form.cleaned_data[name] for name in form.changed_data if name != "reason"}
            try:
                services.correct_order_line(line=line, actor=request.user, reason=form.cleaned_data["reason"],
                                            **changes)
            except DomainError as error:
                form.add_error(None, error.message)
            else:
                self.message_user(request, f"Line {line.line_number} corrected.", messages.SUCCESS)
                return HttpResponseRedirect(back)
        return TemplateResponse(request, "admin/service_form.html", {
            **self.admin_site.each_context(request), "opts": self.opts, "original": line.order,
            "title": f"Correct line {line.line_number} ({line.sku})", "form": form, "submit_label": "Correct",
            "back": back,
            "explanation": "Refused once a return claims the line: it is that return's proof of purchase.",
        })

    def process_result(self, result, request):
        # The preview passed, but the file is checked again on confirming: a return may have claimed a line since.
        if result.report.problems:
            problems = "; ".join(str(problem) for problem in result.report.problems)
            self.message_user(request, f"Nothing was imported: {problems}", messages.ERROR)
            return HttpResponseRedirect(reverse("admin:rma_order_import"))
        return super().process_result(result, request)

    def add_success_message(self, result, request) -> None:
        self.message_user(request, f"Imported {result.report.summary}.", messages.SUCCESS)


@admin.register(models.ReturnEvent)
class ReturnEventAdmin(SearchedAdmin, ReadOnlyAdmin):
    list_spec = selectors.EVENTS_LIST
    list_select_related = ["return_request", "actor"]
    list_display = ["at", "return_request", "action", "from_state", "to_state", "actor", "channel"]
    list_filter = ["action", "channel"]
    search_help_text = "RAN, or its start"


@admin.register(models.ReturnItem)
class ReturnItemAdmin(ListedAdmin, ReadOnlyAdmin):
    """Every returned unit across the returns; a unit changes only through its return's services."""

    list_spec = selectors.UNITS_LIST
    list_display = ["return_request", "unit_number", "client_column", "sku_column", "reason", "serial_number",
                    "state_column"]
    list_display_links = ["unit_number"]
    list_filter = ["return_request__client", "reason", "return_request__state"]
    search_help_text = "RAN, or the start of a SKU, serial number or RAN"

    @admin.display(description="client", ordering="return_request__client__name")
    def client_column(self, unit: models.ReturnItem) -> str:
        return unit.return_request.client.name

    @admin.display(description="SKU", ordering="order_line__sku")
    def sku_column(self, unit: models.ReturnItem) -> str:
        return unit.order_line.sku

    @admin.display(description="state", ordering="return_request__state")
    def state_column(self, unit: models.ReturnItem) -> str:
        return unit.return_request.get_state_display()


@admin.register(models.ReceivingScan)
class ReceivingScanAdmin(ListedAdmin, ReadOnlyAdmin):
    list_spec = selectors.SCANS_LIST
    search_help_text = "The start of a code as scanned"
    list_display = ["scanned_at", "code", "result", "return_request", "actor", "warehouse", "wrong_site"]
    list_filter = ["result", "warehouse", "wrong_site"]


@admin.register(models.CarrierEvent)
class CarrierEventAdmin(BackgroundImportMixin, SearchedAdmin, CheckedImportMixin, ImportMixin, ReadOnlyAdmin):
    """Every carrier scan imported and what it did. Import reads a carrier's CSV or XLSX file.

    rma.services.import_carrier_events checks the file holding no lock; its preview (a dry run) foresees
    each row's outcome and changes nothing; confirming checks again and applies every row, or none.
    A large file is imported by a job (importjobs) instead.
    """

    list_display = [
        "occurred_at", "tracking_number", "carrier", "event", "outcome", "return_request", "message", "imported_by",
    ]
    list_spec = selectors.CARRIER_EVENTS_LIST
    list_select_related = ["return_request", "imported_by"]
    list_filter = ["outcome", "carrier", "occurred_at", "imported_at"]
    search_help_text = "Tracking number or its start, or the return's RAN"
    resource_classes = [CarrierEventResource]
    import_formats = [CheckedCSV, CheckedXLSX]
    import_template_name = "admin/rma/carrierevent/import.html"
    background_import_kind = "carrier_events"
    # Each event already says who imported it and when, and its return's trail what it did.
    skip_admin_log = True

    def has_import_permission(self, request) -> bool:
        return request.user.has_perm("rma.import_tracking")

    def process_result(self, result, request) -> HttpResponseRedirect:
        # The preview passed, but the file is checked again on confirming: a return may have moved since.
        report = result.report
        if report.problems:
            problems = "; ".join(str(problem) for problem in report.problems)
            self.message_user(request, f"Nothing was imported: {problems}", messages.ERROR)
            return HttpResponseRedirect(reverse("admin:rma_carrierevent_import"))
        summary = ", ".join(f"{count} {outcome}" for outcome, count in report.outcome_counts())
        self.message_user(request, f"Carrier events imported: {summary}.", messages.SUCCESS)
        events = [scan.record for scan in report.scans if scan.action != tracking_import.ALREADY_IMPORTED]
        for event in events:
            if event.outcome == models.CarrierEventOutcome.REFUSED:
                self.message_user(request, f"Refused, {event.tracking_number}: {event.message}", messages.WARNING)
        unknown = [event for event in events if event.outcome == models.CarrierEventOutcome.UNKNOWN_TRACKING]
        changelist = reverse("admin:rma_carrierevent_changelist")
        if not unknown:
            return HttpResponseRedirect(changelist)
        numbers = ", ".join(sorted({event.tracking_number for event in unknown}))
        self.message_user(
            request, f"No return has these tracking numbers, so nothing was changed for them: {numbers}. "
            "Set them on their returns, then import the file again to apply their events.", messages.WARNING,
        )
        query = {"outcome__exact": models.CarrierEventOutcome.UNKNOWN_TRACKING,
                 "imported_at__gte": min(event.imported_at for event in unknown).isoformat()}
        return HttpResponseRedirect(f"{changelist}?{urlencode(query)}")


# -- queues customer service resolves -------------------------------------------------------------

# Open first, then oldest first: nobody waits longest by accident.
OPEN_FIRST = Case(When(status="open", then=Value(0)), default=Value(1)).asc()


def thumbnail(image) -> str:
    if not image:
        return "–"
    return format_html('<a href="{0}"><img class="thumb" src="{0}" alt="photo"></a>', image.url)


class ResolvedOnceAdmin(admin.ModelAdmin):
    """A queue shown read-only; each row is resolved once, through `resolve`, by who holds the permission.

    A queue defines `resolve_form`, `facts(obj)` (what customer service reads before deciding) and
    `resolve(request, obj, data)` (the service call).
    """

    resolve_form: type[forms.Form]
    resolve_permission = "rma.resolve_unexpected_parcel"
    change_form_template = "admin/rma/resolved_once_change_form.html"

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False

    def get_urls(self):
        name = f"{self.opts.app_label}_{self.opts.model_name}_resolve"
        own = [path("<int:object_id>/resolve/", self.admin_site.admin_view(self.resolve_view), name=name)]
        return own + super().get_urls()

    def _resolve_url(self, obj) -> str:
        return reverse(f"admin:{self.opts.app_label}_{self.opts.model_name}_resolve", args=[obj.pk])

    def _offered(self, request: HttpRequest, obj) -> bool:
        return obj.status == "open" and request.user.has_perm(self.resolve_permission)

    def change_view(self, request, object_id, form_url="", extra_context=None):
        obj = self.get_object(request, object_id)
        context = dict(extra_context or {})
        if obj is not None:
            context["facts"] = self.facts(obj)
        if obj is not None and self._offered(request, obj):
            context.update(resolve_form=self.resolve_form(), resolve_url=self._resolve_url(obj))
        return super().change_view(request, object_id, form_url, context)

    def resolve_view(self, request: HttpRequest, object_id: int) -> HttpResponse:
        obj = get_object_or_404(self.model, pk=object_id)
        if not request.user.has_perm(self.resolve_permission):
            raise PermissionDenied
        form = self.resolve_form(request.POST or None)
        if request.method == "POST" and form.is_valid():
            try:
                resolved = self.resolve(request, obj, form.cleaned_data)
            except DomainError as error:
                form.add_error(None, error.message)
            else:
                self.message_user(request, f"{resolved}: {resolved.get_status_display().lower()}.", messages.SUCCESS)
                return HttpResponseRedirect(reverse(f"admin:{self.opts.app_label}_{self.opts.model_name}_change",
                                                    args=[obj.pk]))
        return TemplateResponse(request, "admin/rma/resolve_form.html", {
            **self.admin_site.each_context(request), "opts": self.opts, "original": obj,
            "title": f"Resolve: {obj}", "form": form, "resolve_url": self._resolve_url(obj),
        })

    @admin.display(description="photo")
    def photo_column(self, obj) -> str:
        return thumbnail(obj.photo)


class ResolveParcelForm(forms.Form):
    resolution = forms.ChoiceField(widget=forms.RadioSelect, choices=[
        (models.ParcelStatus.MATCHED, "It belongs to an existing return: receive it there"),
        (models.ParcelStatus.CONVERTED, "A return was created for it: receive it on that return"),
        (models.ParcelStatus.REFUSED, "Refuse it and send it back"),
    ])
    reference = forms.CharField(label="RAN, order number or tracking number", max_length=100, required=False)
    note = forms.CharField(required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 3}),
                           help_text="Needed when refusing: why, and where it goes back to.")

    def clean(self):
        cleaned = super().clean()
        reference = (cleaned.get("reference") or "").strip()
        if not reference:
            if cleaned.get("resolution") in {models.ParcelStatus.MATCHED, models.ParcelStatus.CONVERTED}:
                self.add_error("reference", "Give the RAN, the order number or the tracking number of the return.")
            return cleaned
        returns = selectors.returns_for_reference(reference=reference)
        if not returns:
            self.add_error("reference", f"No return has the RAN, order number or tracking number {reference}.")
        elif len(returns) > 1:
            self.add_error("reference", f"Several returns match: {', '.join(map(str, returns))}. Give the RAN.")
        else:
            cleaned["rma"] = returns[0]
        return cleaned


@admin.register(models.UnexpectedParcel)
class UnexpectedParcelAdmin(ResolvedOnceAdmin):
    """Parcels the dock could not place: customer service matches, converts or refuses each one."""

    list_display = ["code", "status", "warehouse", "scanned_at_column", "scanned_by_column", "dock_note_column",
                    "photo_column", "return_request", "resolved_by"]
    list_filter = ["status", "warehouse"]
    list_select_related = ["scan__actor", "warehouse", "return_request", "resolved_by"]
    search_fields = ["code", "dock_note", "return_request__ran"]
    ordering = [OPEN_FIRST, "created_at"]
    fields = ["code", "status", "warehouse", "scan", "dock_note", "photo", "return_request", "resolved_by",
              "resolved_at", "resolution_note"]
    resolve_form = ResolveParcelForm

    @admin.display(description="scanned", ordering="created_at")
    def scanned_at_column(self, parcel: models.UnexpectedParcel):
        return parcel.scan.scanned_at

    @admin.display(description="by", ordering="scan__actor__username")
    def scanned_by_column(self, parcel: models.UnexpectedParcel):
        return parcel.scan.actor

    @admin.display(description="dock note")
    def dock_note_column(self, parcel: models.UnexpectedParcel) -> str:
        return Truncator(parcel.dock_note).chars(80) or "–"

    def facts(self, parcel: models.UnexpectedParcel) -> list[tuple[str, str]]:
        facts = [
            ("Scanned", f"{format_moment(parcel.scan.scanned_at)} by {parcel.scan.actor}"),
            ("Held at", str(parcel.warehouse) if parcel.warehouse else "–"),
            ("Dock note", parcel.dock_note or "–"),
        ]
        # A tracking number recorded after the scan names the parcel's return now: customer service sees it.
        if parcel.status == models.ParcelStatus.OPEN:
            named = selectors.returns_for_reference(reference=parcel.code)
            if named:
                facts.append(("Returns with this code",
                              ", ".join(f"{rma} ({rma.get_state_display().lower()})" for rma in named)))
        return facts

    def change_view(self, request, object_id, form_url="", extra_context=None):
        context = {"new_return_url": f"{reverse('admin:rma_returnrequest_add')}?parcel={object_id}"}
        return super().change_view(request, object_id, form_url, {**context, **(extra_context or {})})

    def resolve(self, request: HttpRequest, parcel: models.UnexpectedParcel, data: dict):
        return services.resolve_unexpected_parcel(
            parcel=parcel, actor=request.user, resolution=data["resolution"], rma=data.get("rma"), note=data["note"]
        )


class ResolveExtraUnitForm(forms.Form):
    resolution = forms.ChoiceField(widget=forms.RadioSelect, choices=[
        (models.ExtraUnitStatus.ADDED, "Add it to the return: it is inspected with the rest"),
        (models.ExtraUnitStatus.SENT_BACK, "Send it back to the customer"),
        (models.ExtraUnitStatus.KEPT, "Keep it (the facility or the client)"),
    ])
    reason = forms.ChoiceField(choices=models.Reason.choices, initial=models.Reason.OTHER,
                               label="Reason, when added")
    note = forms.CharField(required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 3}),
                           help_text="Needed when sending back or keeping: why.")


@admin.register(models.ExtraUnit)
class ExtraUnitAdmin(ResolvedOnceAdmin):
    """Units found in a parcel that its return does not list: customer service adds, sends back or keeps each."""

    list_display = ["description", "return_column", "sku", "serial_number", "photo_column", "found_at", "found_by",
                    "status", "resolved_by"]
    list_filter = ["status", "return_request__client"]
    list_select_related = ["return_request", "found_by", "resolved_by"]
    search_fields = ["description", "sku", "serial_number", "return_request__ran"]
    ordering = [OPEN_FIRST, "found_at"]
    fields = ["return_request", "description", "sku", "serial_number", "note", "photo", "found_by", "found_at",
              "status", "added_as", "resolved_by", "resolved_at", "resolution_note"]
    resolve_form = ResolveExtraUnitForm

    @admin.display(description="return", ordering="return_request__ran")
    def return_column(self, unit: models.ExtraUnit) -> str:
        url = reverse("admin:rma_returnrequest_change", args=[unit.return_request_id])
        return format_html('<a href="{}">{}</a>', url, unit.return_request)

    def facts(self, unit: models.ExtraUnit) -> list[tuple[str, str]]:
        return [
            ("Return", f"{unit.return_request} ({unit.return_request.get_state_display().lower()})"),
            ("Found", f"{format_moment(unit.found_at)} by {unit.found_by}"),
            ("Unit", " · ".join(part for part in (unit.description, unit.sku, unit.serial_number) if part)),
            ("Note", unit.note or "–"),
        ]

    def resolve(self, request: HttpRequest, unit: models.ExtraUnit, data: dict):
        return services.resolve_extra_unit(
            extra_unit=unit, actor=request.user, resolution=data["resolution"], note=data["note"],
            reason=data["reason"],
        )
