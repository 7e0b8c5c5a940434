"""Operator accounts in the admin: a manager creates one with operator groups, changes its groups,
deactivates or reactivates it, through backoffice.services; the audit of those changes beside it.

Users, groups and permissions themselves stay with Django's own admin, for superusers only.
"""

from django import forms
from django.contrib import admin
from django.contrib.auth.validators import UnicodeUsernameValidator

from backoffice import selectors, services
from backoffice.models import OPERATOR_GROUPS, AccessChange, OperatorAccount
from core.admin import ReadOnlyAdmin
from core.errors import DomainError

GROUP_CHOICES = [(name, name.replace("_", " ")) for name in OPERATOR_GROUPS]
NEW_ACCOUNT_HELP = ('The operator sets their password with "Forgotten your password?" on the login page, '
                    "by this email: nobody else ever knows it.")


class OperatorGroupsField(forms.MultipleChoiceField):
    widget = forms.CheckboxSelectMultiple

    def __init__(self, **kwargs) -> None:
        super().__init__(choices=GROUP_CHOICES, help_text="Only a superuser makes managers.", **kwargs)


class NewOperatorForm(forms.ModelForm):
    # Plain fields, not the model's: the service makes the user, so the form never saves one itself.
    username = forms.CharField(max_length=150, validators=[UnicodeUsernameValidator()])
    first_name = forms.CharField(max_length=150, required=False)
    last_name = forms.CharField(max_length=150, required=False)
    email = forms.EmailField(help_text=NEW_ACCOUNT_HELP)
    operator_groups = OperatorGroupsField(label="Groups")

    class Meta:
        model = OperatorAccount
        fields = []

    def __init__(self, *args, actor=None, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.actor = actor
        self.account = None

    def clean(self):
        data = super().clean()
        if self.errors:
            return data
        # The service makes the account; its refusals become the form's errors.
        try:
            self.account = services.create_operator_account(
                username=data["username"], email=data["email"], first_name=data.get("first_name", ""),
                last_name=data.get("last_name", ""), groups=data["operator_groups"], actor=self.actor,
            )
        except DomainError as error:
            raise forms.ValidationError(error.message) from error
        self.instance = self.account  # what the model's own validation and the admin's log now read
        return data


class OperatorForm(forms.ModelForm):
    operator_groups = OperatorGroupsField(label="Groups")
    active = forms.BooleanField(required=False, help_text="Untick to deactivate: the operator can no longer sign in.")

    class Meta:
        model = OperatorAccount
        fields = []

    def __init__(self, *args, actor=None, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.actor = actor
        self.fields["operator_groups"].initial = list(self.instance.groups.values_list("name", flat=True))
        self.fields["active"].initial = self.instance.is_active
        self.account = self.instance

    def clean(self):
        data = super().clean()
        if self.errors:
            return data
        account, actor = self.instance, self.actor
        try:
            account = services.set_operator_groups(account=account, groups=data["operator_groups"], actor=actor)
            change_activity = (services.reactivate_operator_account if data["active"]
                               else services.deactivate_operator_account)
            self.account = change_activity(account=account, actor=actor)
        except DomainError as error:
            raise forms.ValidationError(error.message) from error
        return data


@admin.register(OperatorAccount)
class OperatorAccountAdmin(admin.ModelAdmin):
    list_display = ["username", "full_name", "email", "groups_column", "is_active", "last_login"]
    list_filter = ["is_active", "groups"]
    search_fields = ["username", "first_name", "last_name", "email"]
    actions = None

    def get_queryset(self, request):
        return selectors.operator_accounts().prefetch_related("groups")

    @admin.display(description="name")
    def full_name(self, account: OperatorAccount) -> str:
        return account.get_full_name()

    @admin.display(description="groups")
    def groups_column(self, account: OperatorAccount) -> str:
        return ", ".join(sorted(group.name for group in account.groups.all()))

    def get_form(self, request, obj=None, change=False, **kwargs):
        base = NewOperatorForm if obj is None else OperatorForm

        class WithActor(base):
            def __init__(self, *args, **form_kwargs):
                super().__init__(*args, actor=request.user, **form_kwargs)

        return WithActor

    def get_fields(self, request, obj=None):
        if obj is None:
            return ["username", "first_name", "last_name", "email", "operator_groups"]
        return ["username", "first_name", "last_name", "email", "operator_groups", "active"]

    def get_readonly_fields(self, request, obj=None):
        return [] if obj is None else ["username", "first_name", "last_name", "email"]

    def save_model(self, request, obj, form, change) -> None:
        # The service changed the account when the form was cleaned; the admin logs that one.
        obj.pk, obj.username = form.account.pk, form.account.username

    def save_related(self, request, form, formsets, change) -> None:
        pass  # the groups were set by the service

    def has_add_permission(self, request) -> bool:
        return request.user.has_perm("backoffice.add_operatoraccount")

    def has_change_permission(self, request, obj=None) -> bool:
        if not request.user.has_perm("backoffice.change_operatoraccount"):
            return False
        return obj is None or obj.pk != request.user.pk

    def has_delete_permission(self, request, obj=None) -> bool:
        return False  # deactivated, never deleted: their name stays on what they did


@admin.register(AccessChange)
class AccessChangeAdmin(ReadOnlyAdmin):
    list_display = ["at", "account", "kind", "groups", "actor"]
    list_filter = ["kind"]
    list_select_related = ["account", "actor"]
    search_fields = ["account__username", "actor__username"]
