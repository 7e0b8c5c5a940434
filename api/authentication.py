"""`Authorization: Token <key>`: the key's digest names an active key of an active client account."""

import datetime as dt

from django.utils import timezone
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from rest_framework import authentication, exceptions

from api.models import ApiKey
from api.services import digest_of

# Recording every use would write on every request; a minute is precise enough to see a key in use.
LAST_USED_PRECISION = dt.timedelta(minutes=1)


class ApiKeyAuthentication(authentication.BaseAuthentication):
    keyword = "Token"

    def authenticate(self, request):
        header = authentication.get_authorization_header(request).split()
        if not header or header[0].lower() != self.keyword.lower().encode():
            return None
        if len(header) != 2:
            raise exceptions.AuthenticationFailed("Send the header as 'Authorization: Token <key>'.")
        try:
            key = header[1].decode()
        except UnicodeDecodeError:
            raise exceptions.AuthenticationFailed("This API key is not valid.") from None
        api_key = (
            ApiKey.objects.select_related("account__user", "account__client")
            .filter(digest=digest_of(key), revoked_at__isnull=True).first()
        )
        if api_key is None:
            raise exceptions.AuthenticationFailed("This API key is not valid, or it was revoked.")
        account = api_key.account
        if not account.user.is_active or not account.client.is_active:
            raise exceptions.AuthenticationFailed("The account of this API key is deactivated.")
        now = timezone.now()
        if api_key.last_used_at is None or now - api_key.last_used_at > LAST_USED_PRECISION:
            ApiKey.objects.filter(pk=api_key.pk).update(last_used_at=now)
        return account.user, api_key

    def authenticate_header(self, request) -> str:
        return self.keyword


class ApiKeyScheme(OpenApiAuthenticationExtension):
    target_class = ApiKeyAuthentication
    name = "apiKey"

    def get_security_definition(self, auto_schema):
        return {
            "type": "apiKey", "in": "header", "name": "Authorization",
            "description": "`Token <key>`: a key a manager issued for your client account.",
        }
