"""The inspection station: from a scanned RAN through every unit to the confirmed dispositions.

Built for the keyboard (static/backoffice/station.js): the RAN field and then the grade have focus, the grade's
letter picks it, M marks the unit missing, Enter saves and opens the next unit, from the defect category too.
A missing unit is saved only once the inspector confirmed it (it owes no refund, and can close the return),
and the dispositions are confirmed with Enter.
"""

import time

from django import forms
from django.contrib import admin, messages
from django.core import signing
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import reverse

from core.errors import DomainError
from core.uploads import PhotoField, form_status
from disposition import services as disposition_services
from disposition.models import Action
from inspection import services as inspection_services
from inspection.models import DefectCategory, Grade
from rma import selectors as rma_selectors
from rma.models import ReturnItem, ReturnRequest, ReturnState

MAX_PHOTOS = 10
STARTED_SALT = "inspection-started"
GRADE_KEYS = ", ".join(Grade.values[:-1]) + " or " + Grade.values[-1]  # "A, B, C, D or F": there is no E


def _require(request: HttpRequest, *permissions: str) -> None:
    if not any(request.user.has_perm(permission) for permission in permissions):
        raise PermissionDenied


def _render(request: HttpRequest, template: str, context: dict) -> TemplateResponse:
    return TemplateResponse(request, template, {**admin.site.each_context(request), **context})


class FindReturnForm(forms.Form):
    code = forms.CharField(label="Scan or type the RAN", max_length=100,
                           widget=forms.TextInput(attrs={"autofocus": True, "autocomplete": "off"}))


def find_return(request: HttpRequest) -> HttpResponse:
    _require(request, "inspection.record_inspection", "disposition.confirm_disposition")
    form = FindReturnForm(request.GET or None)
    if form.is_valid():
        rma = rma_selectors.return_by_ran(code=form.cleaned_data["code"])
        if rma is None:
            form.add_error("code", "No return has this RAN. Check the label, or hand the parcel to customer service.")
        elif rma.state == ReturnState.RECEIVED:
            return HttpResponseRedirect(reverse("admin:inspection_station_return", args=[rma.pk]))
        elif rma.state == ReturnState.INSPECTED:
            return HttpResponseRedirect(reverse("admin:inspection_station_dispositions", args=[rma.pk]))
        else:
            form.add_error("code", f"{rma} is {rma.get_state_display().lower()}: there is nothing to inspect.")
    return _render(request, "admin/station/find.html", {"title": "Inspection station", "form": form})


def next_unit(request: HttpRequest, rma_id: int) -> HttpResponse:
    _require(request, "inspection.record_inspection")
    rma = get_object_or_404(ReturnRequest, pk=rma_id)
    waiting = rma.items.filter(inspection__isnull=True).order_by("unit_number").first()
    if waiting is not None and rma.state == ReturnState.RECEIVED:
        return HttpResponseRedirect(reverse("admin:inspection_station_unit", args=[rma.pk, waiting.unit_number]))
    return HttpResponseRedirect(reverse("admin:inspection_station_dispositions", args=[rma.pk]))


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class PhotosField(PhotoField):
    """Several photos from one input, each checked and re-encoded as the form is cleaned."""

    def __init__(self, **kwargs) -> None:
        kwargs.setdefault("widget", MultipleFileInput(attrs={"accept": "image/jpeg,image/png,image/webp"}))
        super().__init__(**kwargs)

    def clean(self, data, initial=None):
        files = data if isinstance(data, list | tuple) else ([data] if data else [])
        if len(files) > MAX_PHOTOS:
            raise forms.ValidationError(f"At most {MAX_PHOTOS} photos per unit.")
        return [super(PhotosField, self).clean(file, initial) for file in files]


class InspectionForm(forms.Form):
    grade = forms.ChoiceField(choices=Grade.choices, widget=forms.RadioSelect, required=False)
    missing = forms.BooleanField(required=False, label="Missing: the unit was not in the parcel")
    matches_request = forms.BooleanField(required=False, initial=True, label="Matches the request (SKU, serial)")
    accessories_complete = forms.BooleanField(required=False, initial=True)
    original_packaging = forms.BooleanField(required=False, initial=True)
    serial_number_found = forms.CharField(max_length=100, required=False)
    defect_category = forms.ChoiceField(choices=DefectCategory.choices, required=False)
    notes = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 3}))
    photos = PhotosField(required=False)
    started = forms.CharField(widget=forms.HiddenInput, required=False)
    # Sent by the confirmation's button: a missing unit is never recorded by one slip of the M key.
    missing_confirmed = forms.BooleanField(required=False, widget=forms.HiddenInput)

    def clean(self):
        cleaned = super().clean()
        if not cleaned.get("missing") and not cleaned.get("grade"):
            self.add_error("grade", f"Choose a grade: press {GRADE_KEYS}, or M if the unit was not in the parcel.")
        return cleaned

    def needs_missing_confirmation(self) -> bool:
        return self.cleaned_data["missing"] and not self.cleaned_data["missing_confirmed"]

    def seconds_taken(self) -> int | None:
        try:
            started = signing.loads(self.cleaned_data.get("started") or "", salt=STARTED_SALT, max_age=6 * 3600)
        except signing.BadSignature:
            return None
        if not isinstance(started, int | float):
            return None  # signed by this site, but not as a start time: the time taken is unknown
        return max(int(time.time() - started), 0)


def inspect_unit(request: HttpRequest, rma_id: int, unit_number: int) -> HttpResponse:
    _require(request, "inspection.record_inspection")
    item = get_object_or_404(
        ReturnItem.objects.select_related("return_request__client", "order_line"),
        return_request_id=rma_id, unit_number=unit_number,
    )
    rma = item.return_request
    form = InspectionForm(request.POST or None, request.FILES or None,
                          initial={"started": signing.dumps(time.time(), salt=STARTED_SALT)})
    asks_to_confirm_missing = request.method == "POST" and form.is_valid() and form.needs_missing_confirmation()
    if request.method == "POST" and form.is_valid() and not asks_to_confirm_missing:
        data = form.cleaned_data
        try:
            inspection_services.record_inspection(
                item=item, actor=request.user, grade=data["grade"], missing=data["missing"],
                accessories_complete=data["accessories_complete"], original_packaging=data["original_packaging"],
                matches_request=data["matches_request"], serial_number_found=data["serial_number_found"],
                defect_category=data["defect_category"], notes=data["notes"], photos=data["photos"],
                seconds_taken=form.seconds_taken(),
            )
        except DomainError as error:
            form.add_error(None, error.message)
        else:
            messages.success(request, f"Unit {unit_number} of {rma} inspected.")
            return HttpResponseRedirect(reverse("admin:inspection_station_return", args=[rma.pk]))
    units = list(rma.items.select_related("order_line", "inspection").order_by("unit_number"))
    response = _render(request, "admin/station/unit.html", {
        "title": f"Inspect {rma} – unit {unit_number} of {len(units)}",
        "rma": rma, "item": item, "form": form, "units": units, "grade_keys": GRADE_KEYS,
        "already_inspected": hasattr(item, "inspection"),
        "asks_to_confirm_missing": asks_to_confirm_missing,
        "missing_warning": _missing_warning(item, units),
    })
    if form.is_bound and form_status(form) == 413:
        response.status_code = 413
    return response


def _missing_warning(item: ReturnItem, units: list[ReturnItem]) -> str:
    """What recording this unit as missing does, said before it is done."""
    others = [unit for unit in units if unit.pk != item.pk]
    if all(hasattr(unit, "inspection") and unit.inspection.missing for unit in others):
        return (f"Every unit of {item.return_request} is then missing: the return closes at once, "
                "with no refund, as an empty parcel.")
    return (f"Unit {item.unit_number} is recorded as not in the parcel: no refund is owed for it, "
            "and it counts as a fraud signal on the return.")


class DispositionForm(forms.Form):
    action = forms.ChoiceField(choices=Action.choices)
    reason = forms.CharField(required=False, max_length=1000, label="Reason if not the recommendation")
    destination = forms.CharField(required=False, max_length=100, label="Bin or destination")
    repair_cost_estimate = forms.DecimalField(required=False, min_value=0, max_digits=12, decimal_places=2)


def _disposition_rows(request: HttpRequest, rma: ReturnRequest) -> list[dict]:
    currency = rma.order.currency
    rows = []
    units = rma.items.select_related("order_line", "inspection", "disposition").order_by("unit_number")
    for item in units:
        inspection = getattr(item, "inspection", None)
        if inspection is None or inspection.missing:
            rows.append({"item": item, "inspection": inspection, "skipped": True})
            continue
        decided = getattr(item, "disposition", None)
        recommendation = None if decided else disposition_services.recommend_disposition(item=item)
        initial = {"action": recommendation.action} if recommendation else {}
        form = DispositionForm(request.POST or None, prefix=f"unit{item.pk}", initial=initial)
        form.fields["repair_cost_estimate"].label = f"Repair cost estimate ({currency})"
        rows.append({"item": item, "inspection": inspection, "decided": decided,
                     "recommendation": recommendation, "form": form,
                     "recommended_label": Action(recommendation.action).label if recommendation else ""})
    return rows


def confirm_dispositions(request: HttpRequest, rma_id: int) -> HttpResponse:
    _require(request, "disposition.confirm_disposition")
    rma = get_object_or_404(ReturnRequest.objects.select_related("client", "order"), pk=rma_id)
    rows = _disposition_rows(request, rma)
    open_rows = [row for row in rows if row.get("form")]
    if request.method == "POST" and all(row["form"].is_valid() for row in open_rows):
        failed = False
        for row in open_rows:
            data = row["form"].cleaned_data
            try:
                disposition_services.confirm_disposition(
                    item=row["item"], actor=request.user, action=data["action"], reason=data["reason"],
                    destination=data["destination"], repair_cost_estimate=data["repair_cost_estimate"],
                )
            except DomainError as error:
                messages.error(request, f"Unit {row['item'].unit_number}: {error.message}")
                failed = True
        if failed:  # the page shows what was confirmed and what still waits
            return HttpResponseRedirect(request.path)
        rma = ReturnRequest.objects.get(pk=rma.pk)
        messages.success(request, f"Dispositions of {rma} confirmed; it is {rma.get_state_display().lower()}.")
        return HttpResponseRedirect(reverse("admin:inspection_station"))
    return _render(request, "admin/station/dispositions.html", {
        "title": f"Dispositions for {rma}", "rma": rma, "rows": rows,
        "waiting_for_inspection": rma.state == ReturnState.RECEIVED,
    })
