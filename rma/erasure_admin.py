"""The customer's page offers a manager (rma.erase_customer) to erase the customer's personal data on
request, through a confirmation page that asks why; the service does the erasing (rma.services.erasure)."""

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import path, reverse

from core.errors import DomainError
from rma import models, services
from rma.services.erasure import LONGEST_REASON

PERMISSION = "rma.erase_customer"


class ErasureForm(forms.Form):
    reason = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 3}), max_length=LONGEST_REASON,
        help_text="The customer's request: when and how it came, e.g. \"Email of 3 Dec 2026, ticket 4411\".",
    )


class CustomerErasureAdmin:
    """Mix into the CustomerAdmin: the Erase button on the customer's page and its confirmation page."""

    change_form_template = "admin/rma/customer/change_form.html"

    def get_urls(self):
        own = [path("<int:customer_id>/erase/", self.admin_site.admin_view(self.erase_view),
                    name="rma_customer_erase")]
        return own + super().get_urls()

    def has_delete_permission(self, request, obj=None) -> bool:
        return False  # a customer's orders and refunds stay: their personal data is erased instead

    def change_view(self, request, object_id, form_url="", extra_context=None):
        extra = {**(extra_context or {}), "may_erase": request.user.has_perm(PERMISSION)}
        return super().change_view(request, object_id, form_url, extra)

    def erase_view(self, request: HttpRequest, customer_id: int) -> HttpResponse:
        if not request.user.has_perm(PERMISSION):
            raise PermissionDenied
        customer = get_object_or_404(models.Customer, pk=customer_id)
        back = reverse("admin:rma_customer_change", args=[customer.pk])
        form = ErasureForm(request.POST or None)
        if request.method == "POST" and form.is_valid():
            try:
                services.erase_customer_personal_data(customer=customer, actor=request.user,
                                                      reason=form.cleaned_data["reason"])
            except DomainError as error:
                self.message_user(request, error.message, messages.ERROR)
            else:
                self.message_user(request, f"The personal data of customer #{customer.pk} is erased.",
                                  messages.SUCCESS)
            return HttpResponseRedirect(back)
        return TemplateResponse(request, "admin/rma/customer/erase.html", {
            **self.admin_site.each_context(request), "opts": self.opts, "original": customer, "form": form,
            "back": back, "title": f"Erase the personal data of {customer}",
            "returns": customer.returns.count(), "orders": customer.orders.count(),
        })
