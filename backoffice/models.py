"""Operator accounts: the staff a manager may create and deactivate, and the record of who did it.

Only superusers administer access (users, groups, permissions, managers); a manager runs the floor's
accounts through backoffice.services, which assigns the operator groups and nothing else.
"""

from django.conf import settings
from django.contrib.auth.models import User
from django.db import models

from core.models import AppendOnly

# The groups a manager may give; `manager` itself, and anything beyond a group, only a superuser gives.
OPERATOR_GROUPS = ("customer_service", "dock", "inspector", "finance")


class OperatorAccount(User):
    """A staff user as a manager sees it: a name, an email, operator groups, active or not."""

    class Meta:
        proxy = True
        verbose_name = "operator account"


class AccessChange(AppendOnly):
    """One change a manager (or superuser) made to an operator account, for the audit of who may do what."""

    class Kind(models.TextChoices):
        CREATED = "created", "created"
        GROUPS_CHANGED = "groups_changed", "groups changed"
        DEACTIVATED = "deactivated", "deactivated"
        REACTIVATED = "reactivated", "reactivated"

    at = models.DateTimeField(auto_now_add=True)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="access_changes_made")
    account = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="access_changes")
    kind = models.CharField(max_length=20, choices=Kind.choices)
    # The account's groups after the change.
    groups = models.JSONField(default=list)

    class Meta:
        ordering = ["-at", "-pk"]

    def __str__(self) -> str:
        return f"{self.account} {self.get_kind_display()} by {self.actor}"
