"""Managers make console users for a client here (rma.add_clientaccount); the service keeps them non-staff."""

from django import forms
from django.contrib import admin

from console import services
from console.models import ConsoleAccount
from core.errors import DomainError
from rma.models import Client


class ConsoleUserForm(forms.ModelForm):
    username = forms.CharField(max_length=150)
    email = forms.EmailField(required=False)
    password = forms.CharField(widget=forms.PasswordInput, help_text="Tell it to the person; it is not shown again.")

    class Meta:
        model = ConsoleAccount
        fields = ["client"]

    def __init__(self, *args, actor=None, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["client"].queryset = Client.objects.filter(is_active=True)
        self.actor = actor
        self.account = None

    def clean(self):
        data = super().clean()
        if self.errors:
            return data
        # The service is the one place that makes the user; its refusals become the form's errors.
        try:
            self.account = services.create_console_user(
                client=data["client"], username=data["username"], email=data["email"],
                password=data["password"], actor=self.actor,
            )
        except DomainError as error:
            raise forms.ValidationError(error.message) from error
        return data


@admin.register(ConsoleAccount)
class ConsoleAccountAdmin(admin.ModelAdmin):
    list_display = ["user", "client", "created_at"]
    list_filter = ["client"]
    list_select_related = ["user", "client"]
    search_fields = ["user__username", "user__email", "client__name"]
    readonly_fields = ["user", "client", "created_at"]

    def get_queryset(self, request):
        return super().get_queryset(request).filter(user__is_staff=False)

    def get_form(self, request, obj=None, change=False, **kwargs):
        if obj is not None:
            return super().get_form(request, obj, change=change, **kwargs)
        class WithActor(ConsoleUserForm):
            def __init__(self, *args, **form_kwargs):
                super().__init__(*args, actor=request.user, **form_kwargs)

        return WithActor

    def get_fields(self, request, obj=None):
        return ["client", "username", "email", "password"] if obj is None else self.readonly_fields

    def get_readonly_fields(self, request, obj=None):
        return [] if obj is None else self.readonly_fields

    def save_model(self, request, obj, form, change) -> None:
        # The account was made by the service when the form was cleaned; the admin records that one.
        obj.pk, obj.user = form.account.pk, form.account.user

    def has_add_permission(self, request) -> bool:
        return request.user.has_perm("rma.add_clientaccount")

    def has_view_permission(self, request, obj=None) -> bool:
        return request.user.has_perm("rma.view_clientaccount")

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False

    def has_module_permission(self, request) -> bool:
        return self.has_view_permission(request)

