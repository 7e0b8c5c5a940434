"""A client's webhook settings on its admin page: the URL (checked like every send), and buttons to
generate a secret (shown once, on a page of its own), retire the previous one, and send a test event.
"""

from django import forms
from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db import models as django_models
from django.http import HttpRequest, HttpResponse, HttpResponseNotAllowed, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import path, reverse

from core.errors import DomainError
from outbox import destinations
from rma import models, services


def https_url_fields(db_field, **kwargs) -> forms.Field | None:
    """Form fields of the model's, with a URL typed without a scheme read as https (as Django 6 will)."""
    if isinstance(db_field, django_models.URLField):
        kwargs.setdefault("assume_scheme", "https")
    return db_field.formfield(**kwargs)


class ClientForm(forms.ModelForm):
    class Meta:
        model = models.Client
        formfield_callback = https_url_fields
        # The admin adds its fieldsets; the secrets are never a form field.
        fields = ["webhook_url", "order_lookup_url"]
        labels = {"order_lookup_url": "Order lookup URL"}

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        if "order_lookup_url" not in self.fields:
            return  # a viewer's page: the URL is shown read-only
        where = ("http or https, local addresses allowed here (OUTBOX_ALLOW_PRIVATE_URLS)"
                 if settings.OUTBOX_ALLOW_PRIVATE_URLS else "https, to a public address")
        self.fields["order_lookup_url"].help_text = (
            "Where we ask the client's system for an order that was never imported, signed with the webhook "
            f"secrets (docs/webhooks.md, 'Order lookup'); {where}. Empty: only imported orders are found."
        )

    def clean_webhook_url(self) -> str:
        return _checked_url(self.cleaned_data["webhook_url"])

    def clean_order_lookup_url(self) -> str:
        return _checked_url(self.cleaned_data["order_lookup_url"])


def _checked_url(url: str) -> str:
    """A URL our systems call at the client: checked as every webhook send checks it."""
    url = url.strip()
    if url:
        try:
            destinations.check_url(url)
        except DomainError as error:
            raise forms.ValidationError(error.message) from None
    return url


def signing_secrets_text(client: models.Client) -> str:
    if client.webhook_secret and client.webhook_secret_previous:
        return ("Two secrets sign every delivery while the client moves to the new one: retire the previous "
                "one once the client verifies with the new one.")
    if client.webhook_secret:
        return "One secret signs every delivery. Secrets are shown once, when generated."
    return "No secret yet: generate one before webhooks can be sent."


class WebhookSettingsAdmin:
    """Mix into the ClientAdmin: the Integration section's buttons and what they post to."""

    form = ClientForm
    change_form_template = "admin/rma/client/change_form.html"

    def get_urls(self):
        view = self.admin_site.admin_view
        own = [
            path("<int:client_id>/webhook-secret/", view(self.generate_secret_view), name="rma_client_webhook_secret"),
            path("<int:client_id>/webhook-retire/", view(self.retire_secret_view), name="rma_client_webhook_retire"),
            path("<int:client_id>/webhook-test/", view(self.test_webhook_view), name="rma_client_webhook_test"),
        ]
        return own + super().get_urls()

    def render_change_form(self, request, context, add=False, change=False, form_url="", obj=None):
        if obj is not None:
            context["replacing_secret"] = services.secret_fingerprint(obj.webhook_secret)
        return super().render_change_form(request, context, add, change, form_url, obj)

    def _client_for_change(self, request: HttpRequest, client_id: int) -> models.Client:
        client = get_object_or_404(models.Client, pk=client_id)
        if not self.has_change_permission(request, client):
            raise PermissionDenied
        return client

    def _back(self, client: models.Client) -> HttpResponseRedirect:
        return HttpResponseRedirect(reverse("admin:rma_client_change", args=[client.pk]) + "#webhooks")

    def generate_secret_view(self, request: HttpRequest, client_id: int) -> HttpResponse:
        if request.method != "POST":
            return HttpResponseNotAllowed(["POST"])
        client = self._client_for_change(request, client_id)
        try:
            secret = services.generate_webhook_secret(
                client=client, actor=request.user, replacing=request.POST.get("replacing", ""),
            )
        except DomainError as error:
            self.message_user(request, error.message, messages.ERROR)
            return self._back(client)
        response = TemplateResponse(request, "admin/rma/client/webhook_secret.html", {
            **self.admin_site.each_context(request), "opts": self.opts, "original": client, "secret": secret,
            "rotating": bool(client.webhook_secret), "title": f"New webhook secret of {client}",
        })
        response["Cache-Control"] = "no-store"  # the one time it is shown: never kept by the browser
        return response

    def retire_secret_view(self, request: HttpRequest, client_id: int) -> HttpResponse:
        return self._post_service(request, client_id, services.retire_previous_webhook_secret,
                                  "The previous secret no longer signs; only the newest does.")

    def test_webhook_view(self, request: HttpRequest, client_id: int) -> HttpResponse:
        return self._post_service(request, client_id, services.send_test_webhook,
                                  "A webhook.test message is on its way: see Outbox › Messages for its delivery.")

    def _post_service(self, request: HttpRequest, client_id: int, service, done: str) -> HttpResponse:
        if request.method != "POST":
            return HttpResponseNotAllowed(["POST"])
        client = self._client_for_change(request, client_id)
        try:
            service(client=client, actor=request.user)
        except DomainError as error:
            self.message_user(request, error.message, messages.ERROR)
        else:
            self.message_user(request, done, messages.SUCCESS)
        return self._back(client)
