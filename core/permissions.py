"""The permission check every service runs before it changes anything."""

from django.contrib.auth.models import AbstractBaseUser

from core.errors import PermissionRefused


def require_permission(actor: AbstractBaseUser | None, permission: str, *, action: str) -> None:
    """Refuse unless `actor` is an active user holding `permission` (e.g. 'rma.authorize_return')."""
    if actor is None or not actor.is_active:
        raise PermissionRefused(f"You must be signed in to {action}.")
    if not actor.has_perm(permission):
        raise PermissionRefused(f"You are not allowed to {action}.")
