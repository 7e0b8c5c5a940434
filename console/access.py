"""Who may open the console: people of a client (a user with a client account), never facility staff."""

from collections.abc import Callable
from functools import wraps

from django.conf import settings
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.urls import reverse


def client_of(user):
    account = getattr(user, "client_account", None)
    return account.client if account else None


def console_view(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Signed in as a client's person (with their second factor where it is required), or off to the
    console's login; staff get a 403 (they have the back office)."""

    @wraps(view)
    def wrapped(request: HttpRequest, *args, **kwargs) -> HttpResponse:
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path(), reverse("console:login"))
        client = client_of(request.user)
        if client is None or request.user.is_staff:
            raise PermissionDenied("The console is for the staff of our clients; use the back office.")
        if settings.CONSOLE_REQUIRE_TWO_FACTOR and not request.user.is_verified():
            return redirect_to_login(request.get_full_path(), reverse("console:two_factor"))
        request.client = client
        return view(request, *args, **kwargs)

    return wrapped
