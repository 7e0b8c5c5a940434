"""The customer return portal: thin views over rma's services, in the client's name and language.

The proof (order number + email, or RAN + email) lives briefly in the session and stands for the customer.
"""

import time

from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST

from core.actors import CustomerActor
from core.errors import DomainError, OrderLookupUnavailable
from portal import languages, limits, orders
from portal.forms import LookupForm, ReturnForm, StatusForm
from rma import selectors
from rma.models import Client, Order, RequestChannel, ReturnRequest, ReturnState
from rma.policy import line_standings
from rma.services import requests as return_requests

PROOF_SECONDS = 30 * 60
CANCELLABLE = {ReturnState.REQUESTED, ReturnState.AUTHORIZED}
STATE_WORDS = {
    ReturnState.REQUESTED: gettext_lazy("We have your request and are reviewing it."),
    ReturnState.AUTHORIZED: gettext_lazy("Your return is approved: pack the items and send them with the label."),
    ReturnState.IN_TRANSIT: gettext_lazy("Your parcel is on its way to us."),
    ReturnState.RECEIVED: gettext_lazy("We have received your parcel."),
    ReturnState.INSPECTED: gettext_lazy("We have checked your items."),
    ReturnState.DISPOSITIONED: gettext_lazy("We have checked your items; your refund is being prepared."),
    ReturnState.REFUNDED: gettext_lazy("Your refund has been issued."),
    ReturnState.REJECTED: gettext_lazy("We could not accept this return."),
    ReturnState.CANCELLED: gettext_lazy("This return was cancelled."),
    ReturnState.EXPIRED: gettext_lazy("The return number expired before the parcel reached us."),
    ReturnState.CLOSED: gettext_lazy("This return is closed."),
}


def _client(code: str) -> Client:
    return get_object_or_404(Client, code=code, is_active=True)


def _prove(request: HttpRequest, key: str, pk: int) -> None:
    request.session[key] = {"pk": pk, "until": time.time() + PROOF_SECONDS}


def _proven(request: HttpRequest, key: str) -> int | None:
    proof = request.session.get(key) or {}
    return proof.get("pk") if proof.get("until", 0) > time.time() else None


def _page(request, client, template, context, *, order=None, status=200) -> HttpResponse:
    language = languages.activate(request=request, client=client, order=order)
    context = {"client": client, "language": language, "next_path": request.get_full_path(), **context}
    return render(request, f"portal/{template}", context, status=status)


def _too_many(request, client) -> HttpResponse:
    return _page(request, client, "limited.html", {}, status=429)


@require_http_methods(["GET", "POST"])
def lookup(request: HttpRequest, client_code: str) -> HttpResponse:
    client = _client(client_code)
    form = LookupForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        if limits.lookup_refused(request=request, client_code=client.code, reference=form.cleaned_data["number"]):
            return _too_many(request, client)
        try:
            order = orders.find_order(
                client=client, number=form.cleaned_data["number"], email=form.cleaned_data["email"]
            )
        except OrderLookupUnavailable:
            form.add_error(None, _(
                "We cannot look up orders right now. Please try again in a few minutes."
            ))
            return _page(request, client, "lookup.html", {"form": form}, status=503)
        if order is not None:
            _prove(request, "portal_order", order.pk)
            return redirect("portal:order", client_code=client.code)
        form.add_error(None, _(
            "We could not find an order with this number and email address. Check both and try again."
        ))
    return _page(request, client, "lookup.html", {"form": form})


def _proven_order(request, client) -> Order | None:
    pk = _proven(request, "portal_order")
    return Order.objects.select_related("client", "customer").filter(pk=pk, client=client).first() if pk else None


@require_http_methods(["GET", "POST"])
def order_page(request: HttpRequest, client_code: str) -> HttpResponse:
    client = _client(client_code)
    order = _proven_order(request, client)
    if order is None:
        return redirect("portal:lookup", client_code=client.code)
    policy = selectors.current_policy(client=client)
    if policy is None:
        return _page(request, client, "unavailable.html", {}, order=order, status=503)
    claimed = selectors.units_claimed(line_ids=list(order.lines.values_list("pk", flat=True)))
    standings = line_standings(order=order, policy=policy, claimed=claimed, at=timezone.now())
    language = languages.activate(request=request, client=client, order=order)
    form = ReturnForm(request.POST or None, request.FILES or None, standings=standings, policy=policy)
    if request.method == "POST" and form.is_valid():
        try:
            rma = return_requests.create_return_request(
                order=order, items=form.cleaned_data["items"], channel=RequestChannel.PORTAL,
                actor=orders.customer_of(order), refund_method=form.cleaned_data["refund_method"], language=language,
            )
        except DomainError as error:
            form.add_error(None, error.message)
        else:
            _prove(request, "portal_return", rma.pk)
            return redirect("portal:status", client_code=client.code)
    context = {"order": order, "form": form, "standings": standings}
    return _page(request, client, "order.html", context, order=order, status=400 if form.errors else 200)


@require_http_methods(["GET", "POST"])
def status_lookup(request: HttpRequest, client_code: str) -> HttpResponse:
    client = _client(client_code)
    form = StatusForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        if limits.lookup_refused(request=request, client_code=client.code, reference=form.cleaned_data["ran"]):
            return _too_many(request, client)
        rma = selectors.return_by_ran(code=form.cleaned_data["ran"])
        email = form.cleaned_data["email"].strip().lower()
        if rma is not None and rma.client_id == client.pk and rma.customer.email.strip().lower() == email:
            _prove(request, "portal_return", rma.pk)
            return redirect("portal:status", client_code=client.code)
        form.add_error(None, _(
            "We could not find a return with this number and email address. Check both and try again."
        ))
    return _page(request, client, "status_lookup.html", {"form": form})


def _proven_return(request, client) -> ReturnRequest | None:
    pk = _proven(request, "portal_return")
    return ReturnRequest.objects.select_related("client", "order", "customer", "policy").filter(
        pk=pk, client=client).first() if pk else None


@require_http_methods(["GET"])
def status(request: HttpRequest, client_code: str) -> HttpResponse:
    client = _client(client_code)
    rma = _proven_return(request, client)
    if rma is None:
        return redirect("portal:status_lookup", client_code=client.code)
    label_url = selectors.label_url_for(rma) if rma.state == ReturnState.AUTHORIZED else ""
    context = {
        "rma": rma, "words": STATE_WORDS.get(rma.state, ""), "label_url": label_url,
        "units": selectors.units_of(rma=rma), "cancellable": rma.state in CANCELLABLE,
        "cancel_refused": request.session.pop("portal_cancel_refused", False),
    }
    return _page(request, client, "status.html", context, order=rma.order)


@require_POST
def cancel(request: HttpRequest, client_code: str) -> HttpResponse:
    client = _client(client_code)
    rma = _proven_return(request, client)
    if rma is None:
        return redirect("portal:status_lookup", client_code=client.code)
    try:
        return_requests.cancel_return(
            rma=rma, actor=CustomerActor(customer=rma.customer), reason="Cancelled by the customer on the portal.",
        )
    except DomainError:
        request.session["portal_cancel_refused"] = True
    return redirect("portal:status", client_code=client.code)


@require_POST
def switch_language(request: HttpRequest, client_code: str) -> HttpResponse:
    client = _client(client_code)
    if request.POST.get("language") in client.languages:
        request.session[languages.SESSION_KEY] = request.POST["language"]
    target = request.POST.get("next", "")
    if not url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        target = ""
    return redirect(target) if target else redirect("portal:lookup", client_code=client.code)
