"""Operator accounts, by a manager: create one with operator groups, change its groups, deactivate or
reactivate it. Each change is an AccessChange row naming who made it.

The new account's password is random and shown to nobody: the operator sets their own through
"Forgotten your password?" on the login page, with the email the manager entered. So no manager ever
knows an operator's password, and Django's password reset (which skips unusable passwords) reaches them.
"""

import secrets
from collections.abc import Iterable

from django.contrib.auth.models import Group, User
from django.db import transaction

from backoffice.models import OPERATOR_GROUPS, AccessChange, OperatorAccount
from backoffice.selectors import is_operator
from core.actors import Actor, require, user_of
from core.errors import InvalidInput, PermissionRefused


def _operator_groups(groups: Iterable[str]) -> list[str]:
    names = sorted(set(groups))
    if not names:
        raise InvalidInput("Give the account at least one group.")
    beyond = [name for name in names if name not in OPERATOR_GROUPS]
    if beyond:
        raise PermissionRefused(f"Only a superuser gives the groups {', '.join(beyond)}.")
    return names


def _record(*, actor: Actor, account: User, kind: str) -> None:
    AccessChange.objects.create(
        actor=user_of(actor), account=account, kind=kind,
        groups=sorted(account.groups.values_list("name", flat=True)),
    )


def _locked_operator(*, account: User, actor: Actor) -> OperatorAccount:
    account = OperatorAccount.objects.select_for_update().get(pk=account.pk)
    if account.pk == getattr(user_of(actor), "pk", None):
        raise PermissionRefused("You may not change your own account: ask a superuser.")
    if not is_operator(account):
        raise PermissionRefused(f"{account} is not an operator account: only a superuser changes it.")
    return account


@transaction.atomic
def create_operator_account(
    *, username: str, email: str, groups: Iterable[str], actor: Actor, first_name: str = "", last_name: str = "",
) -> OperatorAccount:
    """A staff account in operator groups only, whose password the operator sets by the reset email."""
    actor = require(actor, "backoffice.add_operatoraccount", action="create operator accounts")
    names = _operator_groups(groups)
    username, email = username.strip(), email.strip()
    if not username or not email:
        raise InvalidInput("An operator account needs a username and an email (their password reset goes there).")
    if User.objects.filter(username__iexact=username).exists():
        raise InvalidInput(f"The username {username} is taken.")
    account = OperatorAccount(username=username, email=email, first_name=first_name.strip(),
                              last_name=last_name.strip(), is_staff=True)
    account.set_password(secrets.token_urlsafe(32))
    account.save()
    account.groups.set(Group.objects.filter(name__in=names))
    _record(actor=actor, account=account, kind=AccessChange.Kind.CREATED)
    return account


@transaction.atomic
def set_operator_groups(*, account: User, groups: Iterable[str], actor: Actor) -> OperatorAccount:
    """Replace an operator's groups with other operator groups."""
    actor = require(actor, "backoffice.change_operatoraccount", action="change operator accounts")
    names = _operator_groups(groups)
    account = _locked_operator(account=account, actor=actor)
    if sorted(account.groups.values_list("name", flat=True)) == names:
        return account
    account.groups.set(Group.objects.filter(name__in=names))
    _record(actor=actor, account=account, kind=AccessChange.Kind.GROUPS_CHANGED)
    return account


@transaction.atomic
def deactivate_operator_account(*, account: User, actor: Actor) -> OperatorAccount:
    """The operator can no longer sign in (their open sessions end with it); the account and its history stay."""
    actor = require(actor, "backoffice.change_operatoraccount", action="deactivate operator accounts")
    return _set_active(account=account, actor=actor, active=False)


@transaction.atomic
def reactivate_operator_account(*, account: User, actor: Actor) -> OperatorAccount:
    actor = require(actor, "backoffice.change_operatoraccount", action="reactivate operator accounts")
    return _set_active(account=account, actor=actor, active=True)


def _set_active(*, account: User, actor: Actor, active: bool) -> OperatorAccount:
    account = _locked_operator(account=account, actor=actor)
    if account.is_active == active:
        return account
    account.is_active = active
    account.save(update_fields=["is_active"])
    _record(actor=actor, account=account,
            kind=AccessChange.Kind.REACTIVATED if active else AccessChange.Kind.DEACTIVATED)
    return account
