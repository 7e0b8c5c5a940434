"""The dock's receiving screen: one field a barcode scanner types into, and an answer to each scan at once.

Above the field, the day's figures of the dock user's own site, then of the whole facility. A scan is
recorded at the user's site; a parcel routed to another site is received and put aside to be forwarded.

A scan is a RAN or the carrier's tracking number (read as its return's RAN). static/backoffice/dock.js
queues the scans and sends them to `scan` one at a time, in order, each with its own idempotency key
(the same again on a retry, so a lost connection never records a scan twice), shows each JSON answer
and plays its tone; without JavaScript the same form posts to `screen` with a key of its own, which
shows the answer after a redirect. Every scan goes through rma.services.receive_scan; the dock's note on an
unexpected parcel and an extra unit found in a received parcel go through their services too.
"""

import datetime as dt
import uuid

from django import forms
from django.contrib import admin, messages
from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect, JsonResponse
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from backoffice.forms import ExtraUnitForm, errors_text
from core.errors import DomainError, InvalidInput, PermissionRefused, UploadTooLarge
from core.moments import format_moment
from core.uploads import PhotoField, form_status
from core.words import counted
from rma import ran as ran_codes
from rma import selectors as rma_selectors
from rma import services as rma_services
from rma.models import Client, ReceivingScan, ReturnRequest, ReturnState, ScanResult, UnexpectedParcel

# Where a received parcel goes when its client has no dock instructions.
DEFAULT_DESTINATION = "Inspection intake"
SESSION_STARTED = "dock_session_started"
LIST_LENGTH = 200
# The sound of an answer, for an operator looking at the parcel, not the screen: one for a parcel
# received, another for every scan that needs a second look (dock.js synthesises both).
SUCCESS_TONE, ALERT_TONE = "success", "alert"


class ParcelNoteForm(forms.Form):
    """What the dock sees on an unexpected parcel, and a photo of it."""

    prefix = "parcel"

    note = forms.CharField(max_length=2000, required=False, label="What do you see? Sender, label, contents",
                           widget=forms.Textarea(attrs={"rows": 2}))
    photo = PhotoField(required=False)


def destination(client: Client) -> str:
    return client.dock_instructions or DEFAULT_DESTINATION


def _who(user: AbstractBaseUser) -> str:
    return user.get_full_name() or user.get_username()


def _when(moment: dt.datetime | None) -> str:
    return format_moment(moment, default="an unknown date")


def _by_tracking_number(scan: ReceivingScan) -> bool:
    """The scan named its return by the carrier's tracking number, not by the RAN."""
    rma = scan.return_request
    return rma is not None and ran_codes.parse_ran(scan.code) != rma.ran


def _summary(scan: ReceivingScan) -> str:
    rma = scan.return_request
    if _by_tracking_number(scan):
        return f"{rma.ran} by tracking number · {_result_summary(scan)}"
    return _result_summary(scan)


def _result_summary(scan: ReceivingScan) -> str:
    rma = scan.return_request
    if scan.result == ScanResult.RECEIVED and scan.wrong_site:
        return f"{rma.client} → forward to {rma.warehouse}"
    if scan.result == ScanResult.RECEIVED:
        return f"{rma.client} → {destination(rma.client)}"
    if scan.result == ScanResult.DUPLICATE:
        return f"{rma.client}: already {rma.get_state_display().lower()}"
    if scan.result == ScanResult.WRONG_STATE:
        return f"{rma.client}: {rma.get_state_display().lower()}, put aside"
    if scan.result == ScanResult.MISTYPED:
        return "check character wrong: scan again"
    if scan.result == ScanResult.AMBIGUOUS:
        return "tracking number of several returns: scan the RAN label"
    return "unexpected parcel: logged for customer service"


def scan_row(scan: ReceivingScan) -> dict:
    """One line of the running list of scans."""
    return {
        "scan_id": scan.pk,
        "code": scan.code,
        "result": scan.result,
        "result_label": scan.get_result_display(),
        "scanned_at": scan.scanned_at.isoformat(),
        "time": timezone.localtime(scan.scanned_at).strftime("%H:%M:%S"),
        "ran": scan.return_request.ran if scan.return_request else None,
        "summary": _summary(scan),
    }


# What each dead end means at the dock.
_WRONG_STATE_WORDS = {
    ReturnState.EXPIRED: ("expired on", "Put the parcel aside: a manager may accept it."),
    ReturnState.CANCELLED: ("was cancelled on", "Put the parcel aside for customer service."),
    ReturnState.REJECTED: ("was rejected on", "Put the parcel aside for customer service."),
}


def _wording(scan: ReceivingScan, user: AbstractBaseUser, units: int | None) -> dict:
    """Headline, detail and the links that go with the scan's result."""
    rma = scan.return_request
    if scan.result == ScanResult.RECEIVED and scan.wrong_site:
        return {
            "where": f"Forwarding to {rma.warehouse}",
            "headline": f"Received, but routed to another site: forward it to {rma.warehouse}",
            "detail": f"{rma.client} · {rma.ran} · {counted(units, 'unit')} expected. It is received here; keep "
                      f"the parcel closed and put it with the parcels going to {rma.warehouse.name}.",
        }
    if scan.result == ScanResult.RECEIVED:
        where = destination(rma.client)
        may_record = user.has_perm("rma.add_extraunit")
        return {
            "where": where, "headline": f"Received: take it to {where}",
            "detail": f"{rma.client} · {rma.ran} · {counted(units, 'unit')} expected.",
            "extra_unit_url": reverse("admin:dock_extra_unit", args=[rma.pk]) if may_record else None,
        }
    if scan.result == ScanResult.DUPLICATE:
        receipt = rma_selectors.receipt_of(rma=rma)
        by = _who(receipt.actor) if receipt and receipt.actor else "the system"
        now = f"; it is {rma.get_state_display().lower()} now" if rma.state != ReturnState.RECEIVED else ""
        return {
            "headline": "Already received: nothing changed",
            "detail": f"{rma.ran} ({rma.client}) was received on {_when(receipt and receipt.at)} by {by}{now}.",
            "received_at": receipt.at.isoformat() if receipt else None, "received_by": by,
        }
    if scan.result == ScanResult.WRONG_STATE:
        state = rma.get_state_display().lower()
        verb, advice = _WRONG_STATE_WORDS.get(rma.state, (f"is {state} since", "Put the parcel aside."))
        reason = f": {rma.decision_reason}" if rma.decision_reason else ""
        may_accept = rma.state == ReturnState.EXPIRED and user.has_perm("rma.receive_expired")
        return {
            "headline": f"Do not accept: {state}",
            "detail": f"{rma.ran} ({rma.client}) {verb} {_when(rma.state_entered_at)}{reason}. {advice}",
            "receive_expired_url": (
                reverse("admin:rma_returnrequest_act", args=[rma.pk, "receive-expired"]) if may_accept else None
            ),
        }
    if scan.result == ScanResult.MISTYPED:
        return {
            "headline": "Check character wrong: scan again",
            "detail": f"“{scan.code}” is not a valid RAN (a symbol was misread or mistyped) and no return has it "
                      "as its tracking number.",
        }
    if scan.result == ScanResult.AMBIGUOUS:
        return {
            "headline": "Several returns have this tracking number: scan the RAN label",
            "detail": f"{scan.note} Nothing was received. Find the RAN label on the parcel and scan it; without "
                      "one, put the parcel aside for customer service.",
        }
    return {
        "headline": "Unknown code: unexpected parcel",
        "detail": "No return has this code. It is logged for customer service: put the parcel on the unexpected "
                  "shelf, and add a note or a photo (F2).",
        "note_url": reverse("admin:dock_parcel_note", args=[scan.unexpected_parcel.pk]),
    }


def scan_outcome(*, scan: ReceivingScan, user: AbstractBaseUser) -> dict:
    """Everything the dock is told about one scan: what the JSON endpoint answers and the screen shows."""
    rma = scan.return_request
    units = rma.items.count() if rma else None
    outcome = {
        **scan_row(scan),
        "client": rma.client.name if rma else None,
        "units": units,
        "wrong_site": scan.wrong_site,
        "routed_to": str(rma.warehouse) if rma and rma.warehouse else None,
        "where": None,
        "received_at": None,
        "received_by": None,
        "return_url": (
            reverse("admin:rma_returnrequest_change", args=[rma.pk])
            if rma and user.has_perm("rma.view_returnrequest") else None
        ),
        "receive_expired_url": None,
        "note_url": None,
        "extra_unit_url": None,
        "tone": SUCCESS_TONE if scan.result == ScanResult.RECEIVED else ALERT_TONE,
    }
    outcome.update(_wording(scan, user, units))
    if _by_tracking_number(scan):
        outcome["detail"] += f" Found by the carrier's tracking number {scan.code}."
    if scan.wrong_site and scan.result != ScanResult.RECEIVED:
        outcome["detail"] += f" It was routed to {rma.warehouse}, not to this site."
    return outcome


def _start_of_today() -> dt.datetime:
    return timezone.localtime().replace(hour=0, minute=0, second=0, microsecond=0)


def _session_started(request: HttpRequest) -> dt.datetime:
    """The running list shows the scans of this sign-in session, from its first visit to the dock."""
    started = request.session.setdefault(SESSION_STARTED, timezone.now().isoformat())
    return dt.datetime.fromisoformat(started)


def _receive(request: HttpRequest) -> ReceivingScan:
    return rma_services.receive_scan(
        code=request.POST.get("code", ""), actor=request.user, idempotency_key=request.POST.get("idempotency_key"),
    )


def _wants_json(request: HttpRequest) -> bool:
    return "application/json" in request.headers.get("Accept", "")


def _error_status(error: DomainError) -> int:
    if isinstance(error, UploadTooLarge):
        return 413
    return 403 if isinstance(error, PermissionRefused) else 400


def _refusal(form: forms.Form) -> InvalidInput:
    """A refused form's errors in one message; a photo above its size limit makes it a 413."""
    return (UploadTooLarge if form_status(form) == 413 else InvalidInput)(errors_text(form))


def screen(request: HttpRequest) -> HttpResponse:
    """GET: the screen. POST, without JavaScript: one scan, whose answer the screen shows after a redirect."""
    if not request.user.has_perm("rma.receive_return"):
        raise PermissionDenied
    here = reverse("admin:dock")
    if request.method == "POST":
        try:
            scanned = _receive(request)
        except DomainError as error:
            messages.error(request, error.message)
            return HttpResponseRedirect(here)
        return HttpResponseRedirect(f"{here}?scan={scanned.pk}")
    since = _session_started(request)
    shown_id = request.GET.get("scan", "")
    shown = (
        ReceivingScan.objects.select_related("return_request__client", "return_request__warehouse")
        .filter(pk=shown_id, actor=request.user).first()
        if shown_id.isdigit() else None
    )
    site = rma_selectors.assigned_warehouse(user=request.user)
    site_figures, facility_figures = rma_selectors.dock_figures(since=_start_of_today(), site=site)
    return TemplateResponse(request, "admin/dock/screen.html", {
        **admin.site.each_context(request),
        "title": f"Dock · {site.name}" if site else "Dock",
        "site": site,
        "site_figures": site_figures,
        "facility_figures": facility_figures,
        "outcome": scan_outcome(scan=shown, user=request.user) if shown else None,
        "rows": [scan_row(row) for row in rma_selectors.scans_by(actor=request.user, since=since, limit=LIST_LENGTH)],
        "parcel_form": ParcelNoteForm(),
        "extra_unit_form": ExtraUnitForm(),
        "scan_key": uuid.uuid4(),  # the form's scan, sent again by a browser's resubmit, is recorded once
    })


@never_cache
@require_POST
def scan(request: HttpRequest) -> JsonResponse:
    """One scan, answered in JSON: {result, headline, detail, ran, client, units, where, tone, ...}.

    The page sends `idempotency_key` with each scan and the same key on a retry, which gets the first
    scan's answer again. Refusals answer {code, message}: 400 for a bad scan (empty, too long, a key
    that is no UUID or belongs to another scan), 403 when the user is signed out or may not receive parcels.
    """
    if not admin.site.has_permission(request):
        return JsonResponse({"code": "signed_out", "message": "Sign in to the back office again."}, status=403)
    try:
        scanned = _receive(request)
    except DomainError as error:
        return JsonResponse(error.as_dict(), status=_error_status(error))
    _session_started(request)
    return JsonResponse(scan_outcome(scan=scanned, user=request.user))


@never_cache
@require_POST
def keep_alive(request: HttpRequest) -> HttpResponse:
    """The open screen's ping every few minutes: a request, so the session's idle limit starts again
    (core.sessions); 403 once the session has ended, for the screen to say so."""
    if not admin.site.has_permission(request):
        return JsonResponse({"code": "signed_out", "message": "Sign in to the back office again."}, status=403)
    return HttpResponse(status=204)


def _answer(request: HttpRequest, *, done: str = "", error: DomainError | None = None, back: str) -> HttpResponse:
    """JSON for the screen's script; a message and the screen again without it."""
    if _wants_json(request):
        if error is not None:
            return JsonResponse(error.as_dict(), status=_error_status(error))
        return JsonResponse({"message": done})
    if error is not None:
        messages.error(request, error.message)
    else:
        messages.success(request, done)
    return HttpResponseRedirect(back)


@require_POST
def note_parcel(request: HttpRequest, parcel_id: int) -> HttpResponse:
    """The dock's note and photo of an unexpected parcel it just scanned."""
    parcel = get_object_or_404(UnexpectedParcel, pk=parcel_id)
    back = f"{reverse('admin:dock')}?scan={parcel.scan_id}"
    form = ParcelNoteForm(request.POST, request.FILES)
    if not form.is_valid():
        return _answer(request, error=_refusal(form), back=back)
    try:
        rma_services.annotate_unexpected_parcel(parcel=parcel, actor=request.user, **form.cleaned_data)
    except DomainError as error:
        return _answer(request, error=error, back=back)
    return _answer(request, done=f"Note saved on parcel {parcel.code}.", back=back)


@require_POST
def record_extra_unit(request: HttpRequest, rma_id: int) -> HttpResponse:
    """A unit found in a parcel just received that its return does not list."""
    rma = get_object_or_404(ReturnRequest, pk=rma_id)
    back = reverse("admin:dock")
    form = ExtraUnitForm(request.POST, request.FILES)
    if not form.is_valid():
        return _answer(request, error=_refusal(form), back=back)
    try:
        unit = rma_services.record_extra_unit(rma=rma, actor=request.user, **form.cleaned_data)
    except DomainError as error:
        return _answer(request, error=error, back=back)
    return _answer(request, done=f"Extra unit recorded on {rma}: {unit.description}.", back=back)
