"""Who acts: every service is told explicitly, as one of four kinds, and checks what that kind may do.

- `StaffActor`: a person of the facility, signed in to the back office; their groups' permissions decide.
- `ClientActor`: a client account (a user linked to one client): only the client's own objects, and only
  what DESIGN.md's permission table gives client systems.
- `CustomerActor`: a customer on the client's return portal, proven by order number + email: only their
  own returns, and only creating and cancelling them.
- `SystemActor`: a job with no person behind it (expiry, automatic authorization, the chain after the
  last disposition, imports run by cron), named so the audit trail says which.

There is no anonymous actor: `as_actor(None)` refuses. A plain `User` is read as a `ClientActor` when it
has a client account, otherwise as a `StaffActor`, so screens pass `request.user` as it is.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.contrib.auth.models import AbstractBaseUser

from core.errors import PermissionRefused

if TYPE_CHECKING:
    from rma.models import Client, Customer

# What client systems may do (DESIGN.md): create and cancel returns, set tracking, create orders,
# confirm a refund or exchange paid on their side, report a chargeback, redeem their gift cards at their tills.
# Nothing else, whatever groups the user is in.
CLIENT_PERMISSIONS = frozenset({
    "rma.create_return", "rma.cancel_return", "rma.set_tracking", "rma.add_order", "refunds.complete_refund",
    "rma.mark_charged_back", "refunds.redeem_gift_card",
})
# What a portal customer may do, on their own returns only.
CUSTOMER_PERMISSIONS = frozenset({"rma.create_return", "rma.cancel_return"})
# What jobs do on their own: authorize when the policy passes, warn customers before their RAN expires
# and expire it, import files from cron, propose the refund after the last disposition (closing a
# return that is owed nothing), complete a refund when the client's system confirms it, purge old personal data.
SYSTEM_PERMISSIONS = frozenset({
    "rma.authorize_return", "rma.expire_return", "rma.warn_of_expiry", "reports.import_orders",
    "rma.import_tracking", "refunds.propose_refund", "refunds.complete_refund",
    "api.add_apikey",  # manage.py create_api_token, run on the server's shell
    "rma.erase_customer",  # the retention purge of closed returns' personal data
})


class Channel:
    """The door an action came through, recorded on every event; each actor kind has one."""

    ADMIN = "admin"  # staff in the back office
    API = "api"  # a client's systems
    PORTAL = "portal"  # a customer on the return portal
    SYSTEM = "system"  # scheduled jobs and automatic steps


@dataclass(frozen=True)
class StaffActor:
    user: AbstractBaseUser
    channel = Channel.ADMIN

    def may(self, permission: str) -> bool:
        return self.user.has_perm(permission)

    def may_act_on(self, obj: Any) -> bool:
        return True

    def __str__(self) -> str:
        return self.user.get_username()


@dataclass(frozen=True)
class ClientActor:
    user: AbstractBaseUser
    client: Client
    channel = Channel.API

    def may(self, permission: str) -> bool:
        return permission in CLIENT_PERMISSIONS

    def may_act_on(self, obj: Any) -> bool:
        return client_id_of(obj) == self.client.pk

    def __str__(self) -> str:
        return f"{self.user.get_username()} ({self.client.code} API)"


@dataclass(frozen=True)
class CustomerActor:
    customer: Customer
    proven_by: str = "order_number_and_email"
    channel = Channel.PORTAL

    def may(self, permission: str) -> bool:
        return permission in CUSTOMER_PERMISSIONS

    def may_act_on(self, obj: Any) -> bool:
        return customer_id_of(obj) == self.customer.pk

    def __str__(self) -> str:
        return f"customer #{self.customer.pk}"


@dataclass(frozen=True)
class SystemActor:
    job: str
    channel = Channel.SYSTEM

    def may(self, permission: str) -> bool:
        return permission in SYSTEM_PERMISSIONS

    def may_act_on(self, obj: Any) -> bool:
        return True

    def __str__(self) -> str:
        return f"system ({self.job})"


Actor = StaffActor | ClientActor | CustomerActor | SystemActor
ACTOR_KINDS = (StaffActor, ClientActor, CustomerActor, SystemActor)


def as_actor(actor: Actor | AbstractBaseUser | None) -> Actor:
    """The actor a service was given, with a plain signed-in `User` read as staff or as its client account."""
    if isinstance(actor, ACTOR_KINDS):
        return actor
    if isinstance(actor, AbstractBaseUser) and actor.is_authenticated:
        account = getattr(actor, "client_account", None)
        return ClientActor(user=actor, client=account.client) if account else StaffActor(user=actor)
    raise PermissionRefused("Nobody is acting: sign in first.")


def require(actor: Actor | AbstractBaseUser | None, permission: str, *, action: str, on: Any = None) -> Actor:
    """The actor, if it may run `permission` (e.g. 'rma.cancel_return') on `on`; else PermissionRefused.

    `action` finishes the sentence "You are not allowed to …". `on` is the object acted on (a return,
    an order, a refund): client accounts reach only their client's, customers only their own.
    """
    actor = as_actor(actor)
    user = getattr(actor, "user", None)
    if user is not None and not user.is_active:
        raise PermissionRefused(f"This account is deactivated: it may not {action}.")
    if not actor.may(permission):
        raise PermissionRefused(f"You are not allowed to {action}.")
    if on is not None and not actor.may_act_on(on):
        raise PermissionRefused(f"You are not allowed to {action} here: it belongs to someone else.")
    return actor


def user_of(actor: Actor) -> AbstractBaseUser | None:
    """The account behind the actor (staff or client), for the rows that record who did something."""
    return getattr(actor, "user", None)


def client_id_of(obj: Any) -> int | None:
    """The client an object belongs to: a return, an order, a customer, a refund or the client itself."""
    if obj is None:
        return None
    if hasattr(obj, "client_id"):
        return obj.client_id
    for owner in ("return_request", "order"):
        if hasattr(obj, owner):
            return client_id_of(getattr(obj, owner))
    return obj.pk if obj._meta.label == "rma.Client" else None


def customer_id_of(obj: Any) -> int | None:
    if obj is None:
        return None
    if hasattr(obj, "customer_id"):
        return obj.customer_id
    for owner in ("return_request", "order"):
        if hasattr(obj, owner):
            return customer_id_of(getattr(obj, owner))
    return None
