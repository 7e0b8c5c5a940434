"""Session limits for everyone who signs in (staff in the admin, merchants in the console).

A person is signed out after SESSION_IDLE_SECONDS without a request, and SESSION_MAX_SECONDS after
signing in whatever they do; the login page then says why. The dock screen keeps its session alive
while it is open (static/backoffice/dock.js pings backoffice.dock.keep_alive), so a scanner never types into a login
page in the middle of a shift. The clock is time.time(), so tests move it with time-machine.

The clock starts at sign-in (`start_session_clock`, connected to user_logged_in by the back office's
app config), so the first request after it writes nothing more to the session.
"""

import time

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.http import HttpRequest, HttpResponse

SIGNED_IN_AT = "signed_in_at"
LAST_SEEN_AT = "last_seen_at"
# The last request is written to the session at most this often: not one database write per request.
LAST_SEEN_RESOLUTION_SECONDS = 60


def start_session_clock(*, request: HttpRequest, **kwargs) -> None:
    """On user_logged_in: the limits count from now."""
    now = time.time()
    request.session[SIGNED_IN_AT] = now
    request.session[LAST_SEEN_AT] = now


class SessionLimitsMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.user.is_authenticated:
            self._enforce(request, time.time())
        return self.get_response(request)

    @staticmethod
    def _enforce(request: HttpRequest, now: float) -> None:
        session = request.session
        # Sessions from before these limits start now.
        signed_in_at = session.setdefault(SIGNED_IN_AT, now)
        last_seen_at = session.get(LAST_SEEN_AT, now)
        if now - last_seen_at > settings.SESSION_IDLE_SECONDS:
            reason = f"after {settings.SESSION_IDLE_SECONDS // 60} minutes without activity"
        elif now - signed_in_at > settings.SESSION_MAX_SECONDS:
            reason = f"{settings.SESSION_MAX_SECONDS // 3600} hours after signing in"
        else:
            if LAST_SEEN_AT not in session or now - last_seen_at >= LAST_SEEN_RESOLUTION_SECONDS:
                session[LAST_SEEN_AT] = now
            return
        logout(request)
        messages.info(request, f"You were signed out {reason}. Please sign in again.")

