"""The return's admin: the changelist operators scan and the page that shows a whole return.

It composes every stage (rma, inspection, disposition, refunds) through their selectors, and
changes a return only through services.
"""

import datetime as dt

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.http import (
    HttpRequest,
    HttpResponse,
    HttpResponseBadRequest,
    HttpResponseNotFound,
    HttpResponseRedirect,
)
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html
from django.views.decorators.http import require_GET

from backoffice import (
    authenticator_admin,  # noqa: F401  (before django-otp's own: see there)
    operator_admin,  # noqa: F401 (registers the operator accounts' admin)
    return_actions,
    selectors,
)
from backoffice.forms import ExtraUnitForm, NewReturnForm, OrderLookupForm, errors_text
from core.errors import DomainError, FailedRule, PolicyViolation
from core.moments import format_moment
from core.money import format_money
from core.uploads import form_status
from core.words import counted
from refunds.models import RefundStatus
from rma import labels
from rma import selectors as rma_selectors
from rma import services as rma_services
from rma.list_admin import ListedAdmin
from rma.models import (
    ParcelStatus,
    Reason,
    ReturnRequest,
    ReturnState,
    ScanResult,
    UnexpectedParcel,
)
from rma.states import AWAITING_PARCEL
from rma.views import label_download

STATE_COLOURS = {
    ReturnState.REQUESTED: "#6c757d",
    ReturnState.AUTHORIZED: "#0d6efd",
    ReturnState.IN_TRANSIT: "#6610f2",
    ReturnState.RECEIVED: "#fd7e14",
    ReturnState.INSPECTED: "#d63384",
    ReturnState.DISPOSITIONED: "#20c997",
    ReturnState.REFUNDED: "#198754",
    ReturnState.REJECTED: "#dc3545",
    ReturnState.CANCELLED: "#495057",
    ReturnState.EXPIRED: "#a52834",
    ReturnState.CLOSED: "#343a40",
}


def state_badge(state: str, label: str) -> str:
    return format_html('<span class="state-badge" style="background:{}">{}</span>', STATE_COLOURS[state], label)


# The label formats of a return's page, in the order its links show them.
LABEL_FORMATS = {"4x6": "Label 4×6 (PDF)", "a4": "A4", "letter": "Letter", "zpl": "ZPL"}


def duration_text(delta: dt.timedelta) -> str:
    hours = int(delta.total_seconds() // 3600)
    if hours < 1:
        return f"{int(delta.total_seconds() // 60)}m"
    return f"{hours}h" if hours < 48 else f"{hours // 24}d {hours % 24}h"


class ReasonFilter(admin.SimpleListFilter):
    title = "reason"
    parameter_name = "reason"

    def lookups(self, request, model_admin):
        return Reason.choices

    def queryset(self, request, queryset):
        return selectors.with_reason(queryset, self.value())


class ToTellFilter(admin.SimpleListFilter):
    """Customer service's queue: returns that closed without refund and whose customer has not been told."""

    title = "queue"
    parameter_name = "to_tell"

    def lookups(self, request, model_admin):
        return [(selectors.TO_TELL, "To tell the customer")]

    def queryset(self, request, queryset):
        return selectors.to_tell_customer(queryset, self.value())


@admin.register(ReturnRequest)
class ReturnRequestAdmin(ListedAdmin, admin.ModelAdmin):
    list_spec = selectors.RETURNS_LIST
    list_display = [
        "ran_column", "client", "warehouse_column", "order_column", "customer_column", "state_column", "age_column",
        "units_column", "refund_column", "requested_at",
    ]
    list_display_links = ["ran_column"]
    list_filter = ["client", "warehouse", "state", "channel", ReasonFilter, ToTellFilter, "requested_at"]
    search_help_text = (
        "RAN, customer email, the start of an order or serial number, a tracking number"
        " or a part of the customer's name"
    )
    list_per_page = 50
    # The notes given with the request; later notes are events, written through the "Add a note" action.
    fields = ["notes"]
    readonly_fields = ["notes"]
    actions = ["authorize_selected", "reject_selected", "cancel_selected", "print_labels",
               "print_labels_with_slips"]
    change_form_template = "admin/rma/returnrequest/change_form.html"

    # -- the changelist ----------------------------------------------------------------------------

    @admin.display(description="RAN", ordering="ran")
    def ran_column(self, rma: ReturnRequest) -> str:
        return rma.ran or f"request #{rma.pk}"

    @admin.display(description="warehouse", ordering="warehouse__code")
    def warehouse_column(self, rma: ReturnRequest) -> str:
        return rma.warehouse.code if rma.warehouse else "–"

    @admin.display(description="order", ordering="order__number")
    def order_column(self, rma: ReturnRequest) -> str:
        return rma.order.number

    @admin.display(description="customer", ordering="customer__email")
    def customer_column(self, rma: ReturnRequest) -> str:
        return rma.customer.email

    @admin.display(description="state", ordering="state")
    def state_column(self, rma: ReturnRequest) -> str:
        return state_badge(rma.state, rma.get_state_display())

    @admin.display(description="why it closed")
    def close_reason_column(self, rma: ReturnRequest) -> str:
        return rma.decision_reason or "–"

    def get_list_display(self, request):
        # The queue of customers to tell shows why each return closed: what customer service tells them.
        if request.GET.get(ToTellFilter.parameter_name) == selectors.TO_TELL:
            return [*self.list_display[:6], "close_reason_column", *self.list_display[6:]]
        return self.list_display

    @admin.display(description="in state", ordering="state_entered_at")
    def age_column(self, rma: ReturnRequest) -> str:
        age = timezone.now() - rma.state_entered_at
        target = rma.client.target_hours(rma.state)
        late = target is not None and age > dt.timedelta(hours=target)
        return format_html('<span class="{}">{}</span>', "overdue" if late else "", duration_text(age))

    @admin.display(description="units", ordering="units")
    def units_column(self, rma: ReturnRequest) -> int:
        return rma.units or 0

    @admin.display(description="refund", ordering="refund_amount")
    def refund_column(self, rma: ReturnRequest) -> str:
        if rma.refund_amount is None:
            return "–"
        return format_money(rma.refund_amount, rma.order.currency)

    # -- permissions: returns are never deleted, and are created through the new-return form -----

    def has_delete_permission(self, request, obj=None) -> bool:
        return False

    def has_add_permission(self, request) -> bool:
        return request.user.has_perm("rma.create_return")

    def has_authorize_permission(self, request) -> bool:
        return request.user.has_perm("rma.authorize_return")

    def has_reject_permission(self, request) -> bool:
        return request.user.has_perm("rma.reject_return")

    def has_cancel_permission(self, request) -> bool:
        return request.user.has_perm("rma.cancel_return")

    def has_print_label_permission(self, request) -> bool:
        return request.user.has_perm("rma.print_label")

    # -- bulk actions ------------------------------------------------------------------------------

    def changelist_view(self, request, extra_context=None):
        # A forged POST of an action this user may not run is refused, not silently ignored.
        action = request.POST.get("action")
        if request.method == "POST" and action and action not in self.get_actions(request):
            raise PermissionDenied
        return super().changelist_view(request, extra_context)

    def _run_on_each(self, request, queryset, run, done: str) -> None:
        succeeded = 0
        for rma in queryset:
            try:
                run(rma)
                succeeded += 1
            except DomainError as error:
                self.message_user(request, f"{rma}: {error.message}", messages.ERROR)
        if succeeded:
            self.message_user(request, f"{counted(succeeded, 'return')} {done}.", messages.SUCCESS)

    @admin.action(description="Authorize selected requests", permissions=["authorize"])
    def authorize_selected(self, request, queryset):
        self._run_on_each(
            request, queryset, lambda rma: rma_services.authorize_return(rma=rma, actor=request.user), "authorized"
        )

    def _with_reason(self, request, queryset, *, action: str, title: str, form_class, run, done: str):
        form = form_class(request.POST if "apply" in request.POST else None)
        if "apply" in request.POST and form.is_valid():
            reason = form.cleaned_data["reason"]
            self._run_on_each(request, queryset, lambda rma: run(rma, reason), done)
            return None
        return TemplateResponse(request, "admin/rma/returnrequest/bulk_reason.html", {
            **self.admin_site.each_context(request), "title": title, "form": form, "returns": queryset,
            "action": action, "opts": self.model._meta,
            "action_checkbox_name": admin.helpers.ACTION_CHECKBOX_NAME,
        })

    @admin.action(description="Reject selected requests…", permissions=["reject"])
    def reject_selected(self, request, queryset):
        return self._with_reason(
            request, queryset, action="reject_selected", title="Reject return requests",
            form_class=return_actions.RejectForm, done="rejected",
            run=lambda rma, reason: rma_services.reject_return(rma=rma, actor=request.user, reason=reason),
        )

    @admin.action(description="Cancel selected returns…", permissions=["cancel"])
    def cancel_selected(self, request, queryset):
        return self._with_reason(
            request, queryset, action="cancel_selected", title="Cancel returns",
            form_class=return_actions.ReasonForm, done="cancelled",
            run=lambda rma, reason: rma_services.cancel_return(rma=rma, actor=request.user, reason=reason),
        )

    @admin.action(description="Print labels", permissions=["print_label"])
    def print_labels(self, request, queryset):
        """One 4×6 PDF of the selected returns' labels, one page each, in the order they were ticked."""
        return self._print_labels(request, queryset, packing_slips=False)

    @admin.action(description="Print labels with packing slips", permissions=["print_label"])
    def print_labels_with_slips(self, request, queryset):
        """As print_labels, each label followed by its packing slip, for parcels packed here."""
        return self._print_labels(request, queryset, packing_slips=True)

    def _print_labels(self, request, queryset, *, packing_slips: bool):
        allowed = {str(pk): pk for pk in queryset.values_list("pk", flat=True)}
        if request.POST.get("select_across") == "1":
            order = list(allowed.values())  # every page of the list: the list's own order
        else:
            ticked = request.POST.getlist(admin.helpers.ACTION_CHECKBOX_NAME)
            order = [allowed[value] for value in dict.fromkeys(ticked) if value in allowed]
        batch = rma_selectors.label_batch(pks=order)
        if batch.without_ran:
            names = ", ".join(str(rma) for rma in batch.without_ran)
            self.message_user(request, f"Skipped, no RAN yet (authorize first): {names}.", messages.WARNING)
        if batch.ended:
            names = ", ".join(f"{rma} ({rma.get_state_display().lower()})" for rma in batch.ended)
            self.message_user(request, f"Skipped, the return is over and its label no longer serves: {names}.",
                              messages.WARNING)
        if not batch.printable:
            why = "has a RAN yet" if not batch.ended else "has a label to print"
            self.message_user(request, f"None of the selected returns {why}: no labels printed.", messages.ERROR)
            return None
        return label_download(labels.render_labels_pdf(batch.printable, packing_slips=packing_slips),
                              filename="return-labels.pdf")

    # -- the whole return on one page --------------------------------------------------------------

    def get_urls(self):
        own = [
            path("<int:object_id>/act/<slug:action>/", self.admin_site.admin_view(self.action_view),
                 name="rma_returnrequest_act"),
            path("<int:object_id>/extra-unit/", self.admin_site.admin_view(self.extra_unit_view),
                 name="rma_returnrequest_extra_unit"),
            path("<int:rma_id>/label/<slug:label_format>/", self.admin_site.admin_view(self.label_view),
                 name="rma_returnrequest_label"),
            path("<int:object_id>/timeline/", self.admin_site.admin_view(require_GET(self.timeline_view)),
                 name="rma_returnrequest_timeline"),
        ]
        return own + super().get_urls()

    def change_view(self, request, object_id, form_url="", extra_context=None):
        rma = self.get_object(request, object_id)
        if rma is None:
            return super().change_view(request, object_id, form_url, extra_context)
        refunds = list(selectors.return_page_refunds(rma=rma))
        open_refund = next((r for r in refunds if r.status != RefundStatus.DENIED), None)
        context = {
            "rma": rma,
            "state_badge": state_badge(rma.state, rma.get_state_display()),
            "units": selectors.return_page_units(rma=rma),
            "refunds": refunds,
            "timeline": selectors.return_page_timeline(rma=rma),
            "scans": rma.scans.select_related("actor", "warehouse"),
            "extra_units": rma.extra_units.select_related("found_by", "resolved_by", "added_as"),
            "extra_unit_form": ExtraUnitForm() if self._may_record_extra_unit(request, rma) else None,
            "offered_actions": return_actions.offered_actions(user=request.user, rma=rma),
            "policy_review": rma_selectors.policy_review(rma=rma),
            "stage_links": return_actions.stage_links(
                user=request.user, rma=rma, refund_id=open_refund.pk if open_refund else None
            ),
            "time_in_state": duration_text(timezone.now() - rma.state_entered_at),
            "ran_validity": rma_selectors.ran_validity(rma=rma) if rma.authorization_expires_at else None,
            **self._label_context(request, rma),
            "title": f"Return {rma}",
            "subtitle": None,
            "show_save_and_add_another": False,
            "show_save_and_continue": False,
            **(extra_context or {}),
        }
        return super().change_view(request, object_id, form_url, context)

    def timeline_view(self, request: HttpRequest, object_id: int) -> HttpResponse:
        """The return's older events, a page at a time, before the event `?before=` names."""
        rma = get_object_or_404(ReturnRequest, pk=object_id)
        if not self.has_view_permission(request, rma):
            raise PermissionDenied
        before = selectors.timeline_event(rma=rma, event_id=request.GET.get("before", ""))
        if before is None:
            return HttpResponseBadRequest(f"Give ?before= the id of one of {rma}'s events: the page shows the "
                                          "events before it.", content_type="text/plain")
        return TemplateResponse(request, "admin/rma/returnrequest/timeline.html", {
            **self.admin_site.each_context(request), "opts": self.model._meta, "original": rma, "rma": rma,
            "title": f"Timeline of {rma}: events before {format_moment(before.at)}",
            "timeline": selectors.return_page_timeline(rma=rma, before=before),
            "back": reverse("admin:rma_returnrequest_change", args=[rma.pk]),
        })

    def action_view(self, request: HttpRequest, object_id: int, action: str) -> HttpResponse:
        rma = get_object_or_404(ReturnRequest.objects.select_related("client", "order", "customer"), pk=object_id)
        chosen = return_actions.ACTIONS_BY_NAME.get(action)
        if chosen is None or not request.user.has_perm(chosen.permission):
            raise PermissionDenied
        back = reverse("admin:rma_returnrequest_change", args=[rma.pk])
        form = None
        if chosen.form_class:
            initial = chosen.initial(rma) if chosen.initial else None
            form = chosen.form_class(request.POST or None, request.FILES or None, initial=initial)
        if request.method == "POST" and (form is None or form.is_valid()):
            try:
                outcome = chosen.run(rma, request.user, form.cleaned_data if form else {})
            except PolicyViolation as violation:
                self._policy_messages(request, f"{rma} is not authorized: it breaks the return policy.",
                                      violation.failures, level=messages.ERROR)
            except DomainError as error:
                self.message_user(request, error.message, messages.ERROR)
            else:
                self._report(request, chosen, outcome)
            return HttpResponseRedirect(back)
        return TemplateResponse(request, "admin/rma/returnrequest/action_form.html", {
            **self.admin_site.each_context(request), "opts": self.model._meta, "original": rma, "rma": rma,
            "title": f"{chosen.label}: {rma}", "action": chosen, "form": form, "back": back,
        }, status=_refused_file_status(form))

    def _policy_messages(self, request: HttpRequest, headline: str, failures: list[FailedRule], *, level: int) -> None:
        """The headline, then each failed rule in a sentence of its own."""
        self.message_user(request, headline, level)
        for failure in failures:
            self.message_user(request, failure.message, level)

    @staticmethod
    def _may_record_extra_unit(request: HttpRequest, rma: ReturnRequest) -> bool:
        return rma.state == ReturnState.RECEIVED and request.user.has_perm("rma.add_extraunit")

    def extra_unit_view(self, request: HttpRequest, object_id: int) -> HttpResponse:
        """Record a unit found in the parcel that the return does not list."""
        if request.method != "POST" or not request.user.has_perm("rma.add_extraunit"):
            raise PermissionDenied
        rma = get_object_or_404(ReturnRequest, pk=object_id)
        form = ExtraUnitForm(request.POST, request.FILES)
        if not form.is_valid():
            self.message_user(request, errors_text(form), messages.ERROR)
        else:
            try:
                unit = rma_services.record_extra_unit(rma=rma, actor=request.user, **form.cleaned_data)
            except DomainError as error:
                self.message_user(request, error.message, messages.ERROR)
            else:
                self.message_user(request, f"Extra unit recorded: {unit.description}. Customer service decides "
                                  "what happens to it.", messages.SUCCESS)
        return HttpResponseRedirect(reverse("admin:rma_returnrequest_change", args=[rma.pk]))
    def _label_context(self, request: HttpRequest, rma: ReturnRequest) -> dict:
        """The label links, the customer's link to mail, and the RAN's barcode, for those who print labels."""
        if not rma.ran or not self.has_print_label_permission(request):
            return {}
        context = {
            "label_links": [
                (text, reverse("admin:rma_returnrequest_label", args=[rma.pk, label_format]), label_format != "zpl")
                for label_format, text in LABEL_FORMATS.items()
            ],
            # The label alone, for a parcel already packed (the links above add the packing slip).
            "label_only_links": [
                (text, reverse("admin:rma_returnrequest_label", args=[rma.pk, label_format]) + "?slip=no")
                for label_format, text in LABEL_FORMATS.items() if label_format != "zpl"
            ],
            "ran_barcode": labels.ran_barcode_svg(rma.ran),
        }
        # A RAN past its validity that the hourly job has not expired yet gets no link: it would be gone at once.
        link_until = rma_selectors.label_link_valid_until(rma=rma) if rma.state in AWAITING_PARCEL else None
        if link_until and link_until >= timezone.now():
            context["customer_label_url"] = request.build_absolute_uri(rma_selectors.label_url_for(rma))
            context["customer_label_valid_until"] = link_until
            context["customer_label_paper"] = LABEL_FORMATS[labels.home_paper(rma)]
            context["customer_country"] = rma.ship_from().country
        return context

    def label_view(self, request: HttpRequest, rma_id: int, label_format: str) -> HttpResponse:
        if not self.has_print_label_permission(request):
            raise PermissionDenied
        if label_format not in LABEL_FORMATS:
            return HttpResponseNotFound(f"No label format '{label_format}'.", content_type="text/plain")
        found = rma_selectors.returns_for_labels(pks=[rma_id])
        if not found:
            return HttpResponseNotFound("No such return.", content_type="text/plain")
        rma = found[0]
        if not rma.ran:
            return HttpResponseNotFound(
                f"{rma} has no RAN yet: authorize it first, then print its label.", content_type="text/plain"
            )
        if label_format == "zpl":
            return label_download(labels.render_label_zpl(rma), filename=f"{rma.ran}.zpl",
                                  content_type="text/plain; charset=utf-8", attachment=True)
        slip = request.GET.get("slip", "yes")
        if slip not in ("yes", "no"):
            return HttpResponseBadRequest("Give slip=yes (the label and its packing slip) or slip=no (the label "
                                          "alone).", content_type="text/plain")
        return label_download(labels.render_labels_pdf([rma], paper=label_format, packing_slips=slip == "yes"),
                              filename=f"{rma.ran}-{label_format}.pdf")

    def _report(self, request: HttpRequest, chosen, outcome) -> None:
        result = getattr(outcome, "result", None)
        if result and result != ScanResult.RECEIVED:
            self.message_user(request, f"Not received: the scan came back '{outcome.get_result_display()}'.",
                              messages.WARNING)
            return
        self.message_user(request, chosen.done or f"{chosen.label}: done.", messages.SUCCESS)

    # -- entering a request for a customer (phone, email, chat) ------------------------------------

    def add_view(self, request, form_url="", extra_context=None):
        if not self.has_add_permission(request):
            raise PermissionDenied
        parcel = self._parcel_to_convert(request)
        lookup = OrderLookupForm(request.GET or None, actor=request.user)
        order = lookup.order() if lookup.is_bound and lookup.is_valid() else None
        form = NewReturnForm(request.POST or None, request.FILES or None, order=order) if order else None
        if form is not None and request.method == "POST" and form.is_valid():
            try:
                rma = form.create(actor=request.user)
            except DomainError as error:
                form.add_error(None, error.message)
            else:
                self._report_created(request, rma)
                if parcel is not None:
                    self._convert_parcel(request, parcel, rma)
                return HttpResponseRedirect(reverse("admin:rma_returnrequest_change", args=[rma.pk]))
        return TemplateResponse(request, "admin/rma/returnrequest/new_return.html", {
            **self.admin_site.each_context(request), "opts": self.model._meta, "title": "New return request",
            "lookup": lookup, "order": order, "form": form, "parcel": parcel,
            "matches": lookup.matches() if lookup.is_bound and lookup.is_valid() and order is None else [],
        }, status=_refused_file_status(form))

    def _report_created(self, request: HttpRequest, rma: ReturnRequest) -> None:
        """Created is not authorized: a request that breaks its policy says which rules, as a warning."""
        review = rma_selectors.policy_review(rma=rma)
        if review and review.failures:
            self._policy_messages(
                request, f"{rma} created but not authorized: it breaks the return policy.",
                review.failures, level=messages.WARNING,
            )
        elif rma.state == ReturnState.REQUESTED:
            self.message_user(request, f"{rma} created: it waits for authorization.", messages.INFO)
        else:
            self.message_user(request, f"Return {rma} created: {rma.get_state_display().lower()}.",
                              messages.SUCCESS)

    @staticmethod
    def _parcel_to_convert(request: HttpRequest) -> UnexpectedParcel | None:
        """The open unexpected parcel this new return is entered for (?parcel=<id>), if any."""
        parcel_id = request.GET.get("parcel", "")
        if not parcel_id.isdigit():
            return None
        return UnexpectedParcel.objects.filter(pk=parcel_id, status=ParcelStatus.OPEN).first()

    def _convert_parcel(self, request: HttpRequest, parcel: UnexpectedParcel, rma: ReturnRequest) -> None:
        try:
            rma_services.resolve_unexpected_parcel(
                parcel=parcel, actor=request.user, resolution=ParcelStatus.CONVERTED, rma=rma
            )
        except DomainError as error:
            self.message_user(request, f"Parcel {parcel.code} stays open: {error.message}", messages.WARNING)
        else:
            self.message_user(request, f"Parcel {parcel.code} received on {rma}.", messages.SUCCESS)


def _refused_file_status(form) -> int:
    """A form page shown again after a file above its size limit is a 413; any other page a 200, as before."""
    return 413 if form is not None and form.is_bound and form_status(form) == 413 else 200
