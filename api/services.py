"""Issuing and revoking a client account's API keys; the key itself exists only in the issuer's hands."""

import hashlib
import secrets
from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone

from api.models import ApiKey
from core.actors import Actor, require, user_of
from core.errors import InvalidInput
from rma.models import ClientAccount

KEY_PREFIX = "rk_"
PREFIX_LENGTH = len(KEY_PREFIX) + 8
LONGEST_NAME = ApiKey._meta.get_field("name").max_length


def digest_of(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


@dataclass(frozen=True)
class IssuedKey:
    """A new key and its record: `key` is shown once and never again."""

    key: str
    record: ApiKey


@transaction.atomic
def issue_api_key(*, account: ClientAccount, actor: Actor, name: str) -> IssuedKey:
    """A new key for the client account, named so its holder knows which system uses it."""
    actor = require(actor, "api.add_apikey", action="issue API keys")
    name = (name or "").strip()
    if not name:
        raise InvalidInput("Name the key after the system that will use it.")
    if len(name) > LONGEST_NAME:
        raise InvalidInput(f"A key's name has at most {LONGEST_NAME} characters.")
    key = KEY_PREFIX + secrets.token_urlsafe(32)
    record = ApiKey.objects.create(
        account=account, name=name, prefix=key[:PREFIX_LENGTH], digest=digest_of(key),
        created_at=timezone.now(), created_by=user_of(actor),
    )
    return IssuedKey(key=key, record=record)


@transaction.atomic
def revoke_api_key(*, api_key: ApiKey, actor: Actor) -> ApiKey:
    """Stop the key working from its next request on; revoking twice changes nothing."""
    actor = require(actor, "api.revoke_apikey", action="revoke API keys")
    api_key = ApiKey.objects.select_for_update().get(pk=api_key.pk)
    if api_key.revoked_at is None:
        api_key.revoked_at = timezone.now()
        api_key.revoked_by = user_of(actor)
        api_key.save(update_fields=["revoked_at", "revoked_by"])
    return api_key
