"""The views every endpoint is built on: a client account's key, its throttle, and its client's data only.

Every POST of the API is a `ClientWriteView`, so what applies to all writes (idempotency) lives in one place.
"""

from rest_framework import exceptions, permissions
from rest_framework.generics import GenericAPIView

from api.authentication import ApiKeyAuthentication
from api.throttles import ClientAccountThrottle
from idempotency.views import IdempotentPostMixin
from rma.models import Client


class IsClientAccount(permissions.BasePermission):
    """A user linked to a client; anyone else (a staff user, a key-less request) is refused."""

    message = "Only a client account may use the API."

    def has_permission(self, request, view) -> bool:
        if not request.user or not request.user.is_authenticated:
            raise exceptions.NotAuthenticated("Send your API key as 'Authorization: Token <key>'.")
        return hasattr(request.user, "client_account")


class ClientView(GenericAPIView):
    authentication_classes = [ApiKeyAuthentication]
    permission_classes = [IsClientAccount]
    throttle_classes = [ClientAccountThrottle]

    @property
    def client(self) -> Client:
        return self.request.user.client_account.client


# Every POST honours an Idempotency-Key header (idempotency.views); the schema says so (idempotency.schema).
class ClientWriteView(IdempotentPostMixin, ClientView):
    """The base of every POST endpoint."""
