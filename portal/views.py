"""The customer return portal at /returns/<client code>/: find the order, choose what comes back, follow the return.

Thin screens: they check input, prove who the customer is (portal.proof) and call the rma services,
which refuse anything the customer may not do.
"""

import hmac
from functools import wraps

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.cache import patch_vary_headers
from django.utils.formats import date_format
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST

from core.client_ip import client_ip
from core.errors import DomainError, OrderLookupUnavailable
from core.uploads import form_status
from portal import forms, language, limits, orders, proof, words
from rma import ran as ran_codes
from rma import selectors, services
from rma.customer_emails import text_colour_on
from rma.models import Client, Customer, RequestChannel, ReturnRequest, ReturnState
from rma.states import AWAITING_PARCEL

# What the customer may still undo: a return whose parcel has not left (rma's cancel transition).
CANCELLABLE = frozenset({ReturnState.REQUESTED, ReturnState.AUTHORIZED})


def portal_page(view):
    """Load the client's portal, the customer's proof and their language; speak it while the page renders."""

    @never_cache  # every page is about one customer's order: no shared cache may keep it
    @wraps(view)
    def page(request: HttpRequest, client_code: str, **kwargs) -> HttpResponse:
        client = get_object_or_404(Client, code=client_code, is_active=True)
        shown = proof.proof_for(request, client=client)
        spoken = language.language_for(request, client=client, order=shown.order if shown else None)
        with translation.override(spoken), timezone.override(client.zone):
            response = view(request, client=client, shown=shown, **kwargs)
        response.headers["Content-Language"] = spoken
        patch_vary_headers(response, ["Accept-Language"])
        return response

    return page


def _render(request: HttpRequest, template: str, client: Client, context: dict, status: int = 200) -> HttpResponse:
    branding = {
        "client": client, "colour": client.portal_colour, "colour_text": text_colour_on(client.portal_colour),
        "languages": language.names(client), "language": translation.get_language(),
    }
    return render(request, f"portal/{template}", {**branding, **context}, status=status)


def _too_many(request: HttpRequest, client: Client, wait: int) -> HttpResponse:
    minutes = max(1, -(-wait // 60))
    response = _render(request, "too_many.html", client, {"minutes": minutes}, status=429)
    response.headers["Retry-After"] = str(wait)
    return response


def _same_email(given: str, customer: Customer) -> bool:
    # Compared in constant time: how long the answer takes says nothing about the address.
    return hmac.compare_digest(Customer.normalize_email(given).encode(), (customer.email or "").encode())


def _posted(request: HttpRequest):
    """The submitted data, even when empty: an empty POST is a form with errors, not a blank form."""
    return request.POST if request.method == "POST" else None


@portal_page
@require_http_methods(["GET", "POST"])
def start(request: HttpRequest, *, client: Client, shown: proof.Proof | None) -> HttpResponse:
    """Order number + email. An unknown order and a wrong email get the same answer."""
    form = forms.OrderLookupForm(_posted(request))
    if request.method == "POST":
        wait = limits.lookup_refused_for(
            ip=client_ip(request), client_code=client.code, reference=request.POST.get("order_number", "")[:64],
        )
        if wait:
            return _too_many(request, client, wait)
        if form.is_valid():
            try:
                order = orders.find_order(client=client, number=form.cleaned_data["order_number"].strip())
            except OrderLookupUnavailable:
                form.add_error(None, gettext(
                    "We cannot look up orders right now. Please try again in a few minutes."))
                return _render(request, "start.html", client, {"form": form}, status=503)
            if order is not None and _same_email(form.cleaned_data["email"], order.customer):
                proof.remember(request, order=order, proven_by=proof.BY_ORDER)
                return redirect("portal:order", client_code=client.code)
            form.add_error(None, forms.NO_ORDER_MATCH)
    return _render(request, "start.html", client, {"form": form, "welcome": client.portal_welcome})


def _standing_of(shown: proof.Proof):
    policy = selectors.current_policy(client=shown.order.client)
    return policy, (selectors.order_standing(order=shown.order, policy=policy) if policy else [])


def _line_rows(standing) -> list[dict]:
    rows = []
    for entry in standing:
        why = words.REFUSALS.get(entry.refusal)
        if why is not None:
            why = why % {"date": date_format(entry.window_last_day, "DATE_FORMAT")}
        rows.append({"line": entry.line, "returnable": entry.returnable, "why": why,
                     "already": entry.line.quantity - entry.returnable if not entry.refusal else 0})
    return rows


@portal_page
@require_http_methods(["GET", "POST"])
def order(request: HttpRequest, *, client: Client, shown: proof.Proof | None) -> HttpResponse:
    """The order's units, each returnable or not and why; the chosen ones submitted as one return."""
    if shown is None:
        return redirect("portal:start", client_code=client.code)
    policy, standing = _standing_of(shown)
    earlier = shown.order.returns.order_by("-requested_at")
    if policy is None:
        return _render(request, "closed.html", client, {"order": shown.order})
    files = request.FILES if request.method == "POST" else None
    form = forms.ReturnForm(_posted(request), files, units=forms.returnable_units(standing), policy=policy)
    if request.method == "POST" and form.is_valid():
        try:
            rma = services.create_return_request(
                order=shown.order, items=form.items(), channel=RequestChannel.PORTAL, actor=shown.actor,
                refund_method=form.cleaned_data["refund_method"], exchange_sku=form.cleaned_data["exchange_sku"],
                language=translation.get_language(),
            )
        except DomainError as error:
            form.add_error(None, error.message)
        else:
            return redirect("portal:return", client_code=client.code, pk=rma.pk)
    status = form_status(form) if request.method == "POST" else 200
    return _render(request, "order.html", client, {
        "order": shown.order, "lines": _line_rows(standing), "form": form, "rows": form.rows(),
        "earlier": earlier, "policy": policy,
    }, status=status)


def _own_return(shown: proof.Proof | None, client: Client, pk: int) -> ReturnRequest:
    """The customer's own return at this client: any other one is simply not found."""
    if shown is None:
        raise Http404
    return get_object_or_404(
        ReturnRequest.objects.select_related("order", "policy", "warehouse"),
        pk=pk, client=client, customer=shown.customer,
    )


@portal_page
@require_http_methods(["GET"])
def return_page(request: HttpRequest, *, client: Client, shown: proof.Proof | None, pk: int) -> HttpResponse:
    """Where the return is, in the customer's words; the RAN, label and packing steps once it is authorized."""
    if shown is None:
        return redirect("portal:status", client_code=client.code)
    return _return_page(request, client, _own_return(shown, client, pk))


def _return_page(request: HttpRequest, client: Client, rma: ReturnRequest, status: int = 200) -> HttpResponse:
    heading, explanation = words.STATES[rma.state]
    units = [
        {"unit": unit, "reason": words.REASONS.get(unit.reason, unit.reason)}
        for unit in selectors.units_of(rma=rma)
    ]
    return _render(request, "return.html", client, {
        "rma": rma, "heading": heading, "explanation": explanation, "units": units,
        "label_url": selectors.label_url_for(rma) if rma.state in AWAITING_PARCEL and rma.ran else "",
        "cancellable": rma.state in CANCELLABLE, "refund_method": words.REFUND_METHODS.get(rma.refund_method),
    }, status=status)


@portal_page
@require_POST
def cancel(request: HttpRequest, *, client: Client, shown: proof.Proof | None, pk: int) -> HttpResponse:
    """The customer withdraws their return, as long as the parcel has not been sent."""
    rma = _own_return(shown, client, pk)
    try:
        rma = services.cancel_return(rma=rma, actor=shown.actor, reason="Cancelled by the customer on the portal.")
    except DomainError:
        messages.error(request, gettext(
            "This return can no longer be cancelled: its parcel is already on its way or has arrived."))
        return _return_page(request, client, ReturnRequest.objects.get(pk=rma.pk), status=409)
    messages.success(request, gettext("Your return is cancelled."))
    return redirect("portal:return", client_code=client.code, pk=rma.pk)


@portal_page
@require_http_methods(["GET", "POST"])
def status(request: HttpRequest, *, client: Client, shown: proof.Proof | None) -> HttpResponse:
    """RAN + email: the return's page. A wrong RAN and a wrong email get the same answer."""
    form = forms.StatusLookupForm(_posted(request), initial={"ran": request.GET.get("ran", "")[:20]})
    if request.method == "POST":
        ran = ran_codes.normalize(request.POST.get("ran", "")[:20])
        wait = limits.lookup_refused_for(ip=client_ip(request), client_code=client.code, reference=ran)
        if wait:
            return _too_many(request, client, wait)
        if form.is_valid():
            rma = selectors.return_by_ran(code=form.cleaned_data["ran"])
            if rma is not None and rma.client_id == client.pk and _same_email(form.cleaned_data["email"], rma.customer):
                proof.remember(request, order=rma.order, proven_by=proof.BY_RAN)
                return redirect("portal:return", client_code=client.code, pk=rma.pk)
            form.add_error(None, forms.NO_MATCH)
    return _render(request, "status.html", client, {"form": form})


@portal_page
@require_POST
def choose_language(request: HttpRequest, *, client: Client, shown: proof.Proof | None) -> HttpResponse:
    """The language switch: the customer's pick among the client's languages, then back to the page they were on."""
    language.choose(request, client=client, language=request.POST.get("language", ""))
    back = request.POST.get("next", "")
    home = reverse("portal:start", kwargs={"client_code": client.code})
    safe = url_has_allowed_host_and_scheme(back, allowed_hosts={request.get_host()}, require_https=request.is_secure())
    return redirect(back if safe and back.startswith(home) else home)
