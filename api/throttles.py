"""Throttling per client account (all its keys together), at the rate of settings API_THROTTLE_RATE."""

from django.conf import settings
from rest_framework.throttling import SimpleRateThrottle


class ClientAccountThrottle(SimpleRateThrottle):
    scope = "client_account"

    def get_rate(self) -> str:
        return settings.API_THROTTLE_RATE

    def get_cache_key(self, request, view):
        account = getattr(request.user, "client_account", None)
        if account is None:
            return None  # unauthenticated requests are refused before they cost anything
        return self.cache_format % {"scope": self.scope, "ident": account.pk}
