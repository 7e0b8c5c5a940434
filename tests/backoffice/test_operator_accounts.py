"""Managers create, regroup and deactivate operator accounts, with operator groups only; only superusers
administer access (users, groups, permissions, managers). Every change is an AccessChange naming who."""

import pytest
from django.contrib.auth.models import Group, Permission, User
from django.urls import reverse

from backoffice import services
from backoffice.models import AccessChange
from console import services as console_services
from core.errors import PermissionRefused
from rma.models import ClientAccount
from tests.factories import ClientFactory, user_in

ADD = reverse("admin:backoffice_operatoraccount_add")


def change_page(user: User) -> str:
    return reverse("admin:backoffice_operatoraccount_change", args=[user.pk])


def groups_of(user: User) -> list[str]:
    return sorted(User.objects.get(pk=user.pk).groups.values_list("name", flat=True))


def test_no_group_may_add_change_or_delete_users_groups_or_permissions(db):
    administering = Permission.objects.filter(
        content_type__app_label="auth", codename__regex=r"^(add|change|delete)_(user|group|permission)$",
    )

    assert not Group.objects.filter(permissions__in=administering).exists()


def test_a_manager_cannot_make_themselves_superuser_nor_grow_their_group(client, staff):
    manager = staff.manager
    client.force_login(manager)

    own_user = client.post(reverse("admin:auth_user_change", args=[manager.pk]),
                           {"username": manager.username, "is_superuser": "on", "is_staff": "on", "is_active": "on"})
    group = Group.objects.get(name="manager")
    own_group = client.post(reverse("admin:auth_group_change", args=[group.pk]),
                            {"name": "manager", "permissions": list(Permission.objects.values_list("pk", flat=True))})

    assert own_user.status_code == own_group.status_code == 403
    assert not User.objects.get(pk=manager.pk).is_superuser
    assert not group.permissions.filter(codename="change_user").exists()


def test_a_manager_creates_an_operator_who_sets_their_own_password(client, staff):
    client.force_login(staff.manager)

    response = client.post(ADD, {"username": "jo", "first_name": "Jo", "last_name": "Park", "email": "jo@example.com",
                                 "operator_groups": ["dock", "inspector"]})

    jo = User.objects.get(username="jo")
    assert response.status_code == 302
    assert (jo.is_staff, jo.is_superuser, jo.is_active, jo.email) == (True, False, True, "jo@example.com")
    assert groups_of(jo) == ["dock", "inspector"] and not jo.user_permissions.exists()
    # A password nobody was told: the reset email ("Forgotten your password?") reaches a usable one.
    assert jo.has_usable_password()
    [change] = AccessChange.objects.all()
    assert (change.actor, change.account, change.kind, change.groups) == (
        staff.manager, jo, AccessChange.Kind.CREATED, ["dock", "inspector"])


def test_the_screen_offers_no_manager_group_and_refuses_one_posted(client, staff):
    client.force_login(staff.manager)

    page = client.get(ADD).content.decode()
    response = client.post(ADD, {"username": "boss", "email": "b@example.com", "operator_groups": ["manager"]})

    assert 'value="manager"' not in page
    assert response.status_code == 200 and "not one of the available choices" in response.content.decode()
    assert not User.objects.filter(username="boss").exists()


@pytest.mark.parametrize("groups", [["manager"], ["client_api"], ["dock", "manager"]])
def test_the_service_gives_operator_groups_only(staff, groups):
    with pytest.raises(PermissionRefused, match="Only a superuser"):
        services.create_operator_account(username="x", email="x@example.com", groups=groups, actor=staff.manager)


def test_a_manager_regroups_and_deactivates_an_operator(client, staff):
    operator = staff.dock
    client.force_login(staff.manager)

    client.post(change_page(operator), {"operator_groups": ["customer_service"], "active": ""})

    operator.refresh_from_db()
    assert groups_of(operator) == ["customer_service"] and not operator.is_active
    kinds = list(AccessChange.objects.order_by("pk").values_list("kind", "actor"))
    assert kinds == [("groups_changed", staff.manager.pk), ("deactivated", staff.manager.pk)]


def test_a_deactivated_operator_is_signed_out(client, staff):
    operator = staff.dock
    client.force_login(operator)

    services.deactivate_operator_account(account=operator, actor=staff.manager)

    assert client.get(reverse("admin:dock")).status_code == 302  # to the login page


@pytest.mark.parametrize("target", ["superuser", "manager", "self", "with_permission", "client_account"])
def test_a_manager_cannot_touch_anyone_but_operators(client, staff, target):
    manager = staff.manager
    account = {
        "superuser": lambda: User.objects.create_superuser("root", "r@example.com", "x"),
        "manager": lambda: user_in("manager"),
        "self": lambda: manager,
        "with_permission": lambda: _with_own_permission(staff.finance),
        "client_account": lambda: _client_person(),
    }[target]()
    client.force_login(manager)

    page = client.get(change_page(account))
    posted = client.post(change_page(account), {"operator_groups": ["dock"], "active": ""})

    assert page.status_code in (302, 403) and posted.status_code in (302, 403)
    assert User.objects.get(pk=account.pk).is_active
    with pytest.raises(PermissionRefused):
        services.deactivate_operator_account(account=account, actor=manager)
    assert not AccessChange.objects.exists()


def _with_own_permission(user: User) -> User:
    user.user_permissions.add(Permission.objects.get(codename="override_policy"))
    return user


def _client_person() -> User:
    account = console_services.create_console_user(
        client=ClientFactory(), username="person", email="p@example.com", password="a long password 123",
        actor=User.objects.create_superuser("root", "r@example.com", "x"),
    )
    return account.user


@pytest.mark.parametrize("group", ["customer_service", "dock", "inspector", "finance"])
def test_only_managers_and_superusers_manage_operator_accounts(staff, group):
    with pytest.raises(PermissionRefused):
        services.create_operator_account(username="x", email="x@example.com", groups=["dock"],
                                         actor=getattr(staff, group))
    with pytest.raises(PermissionRefused):
        services.deactivate_operator_account(account=staff.dock if group != "dock" else staff.inspector,
                                             actor=getattr(staff, group))


def test_a_superuser_may_use_the_screen_too(staff):
    root = User.objects.create_superuser("root", "r@example.com", "x")

    account = services.create_operator_account(username="sam", email="s@example.com", groups=["finance"], actor=root)

    assert AccessChange.objects.get().actor == root and groups_of(account) == ["finance"]


def test_a_manager_cannot_link_staff_to_a_client(client, staff):
    merchant = ClientFactory()
    client.force_login(staff.manager)

    response = client.post(reverse("admin:rma_clientaccount_add"), {"user": staff.manager.pk, "client": merchant.pk})

    assert response.status_code == 200 and "not one of the available choices" in response.content.decode()
    assert not ClientAccount.objects.exists()
