"""The manager's screen of the clients' API keys: issue one (shown once, never again) and revoke."""

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path

from api import services
from api.models import ApiKey
from core.errors import DomainError
from rma.models import ClientAccount


class IssueKeyForm(forms.Form):
    account = forms.ModelChoiceField(
        queryset=ClientAccount.objects.select_related("user", "client").order_by("client__name", "user__username"),
        help_text="The client account the key signs in as.",
    )
    name = forms.CharField(max_length=services.LONGEST_NAME, help_text="The system that will use it, e.g. 'shop'.")


@admin.register(ApiKey)
class ApiKeyAdmin(admin.ModelAdmin):
    list_display = ["prefix", "name", "client", "account_user", "created_at", "last_used_at", "status"]
    list_filter = [("revoked_at", admin.EmptyFieldListFilter), "account__client"]
    list_select_related = ["account__client", "account__user"]
    search_fields = ["prefix", "name", "account__user__username", "account__client__code"]
    actions = ["revoke_selected"]
    fields = ["prefix", "name", "account", "created_at", "created_by", "last_used_at", "revoked_at", "revoked_by"]
    readonly_fields = fields

    @admin.display(description="client", ordering="account__client__name")
    def client(self, key: ApiKey) -> str:
        return str(key.account.client)

    @admin.display(description="account", ordering="account__user__username")
    def account_user(self, key: ApiKey) -> str:
        return key.account.user.get_username()

    @admin.display(description="status")
    def status(self, key: ApiKey) -> str:
        return "active" if key.is_active else f"revoked {key.revoked_at:%Y-%m-%d %H:%M}"

    def has_change_permission(self, request, obj=None) -> bool:
        return False  # a key is issued and revoked, never edited

    def has_delete_permission(self, request, obj=None) -> bool:
        return False  # a revoked key stays, so its use can be traced

    def has_revoke_permission(self, request) -> bool:
        return request.user.has_perm("api.revoke_apikey")

    def get_urls(self):
        own = [path("issue/", self.admin_site.admin_view(self.issue_view), name="api_apikey_issue")]
        return own + super().get_urls()

    def add_view(self, request, form_url="", extra_context=None):
        if not self.has_add_permission(request):
            raise PermissionDenied
        return redirect("admin:api_apikey_issue")

    def issue_view(self, request: HttpRequest) -> HttpResponse:
        if not self.has_add_permission(request):
            raise PermissionDenied
        form = IssueKeyForm(request.POST or None, initial={"account": request.GET.get("account")})
        issued = None
        if request.method == "POST" and form.is_valid():
            try:
                issued = services.issue_api_key(
                    account=form.cleaned_data["account"], actor=request.user, name=form.cleaned_data["name"]
                )
            except DomainError as error:
                form.add_error(None, error.message)
        context = {
            **self.admin_site.each_context(request), "opts": self.model._meta, "title": "Issue an API key",
            "form": form, "issued": issued,
        }
        return TemplateResponse(request, "admin/api/apikey/issue.html", context)

    @admin.action(description="Revoke selected keys", permissions=["revoke"])
    def revoke_selected(self, request, queryset):
        for key in queryset:
            try:
                services.revoke_api_key(api_key=key, actor=request.user)
            except DomainError as error:
                self.message_user(request, f"{key}: {error.message}", messages.ERROR)
                return
        self.message_user(request, f"Revoked {len(queryset)} key(s): they no longer work.", messages.SUCCESS)
