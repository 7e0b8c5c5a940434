"""The address a request came from, for per-address rate limits, read the same way everywhere.

Behind reverse proxies REMOTE_ADDR is the nearest proxy's address; each proxy appends the address it
saw to X-Forwarded-For. With TRUSTED_PROXY_COUNT proxies in front, the entry that many places from the
right is the one the outermost trusted proxy saw; anything further left was written by the client.
Django REST framework's throttles read it the same way (REST_FRAMEWORK["NUM_PROXIES"]).
"""

from django.conf import settings
from django.http import HttpRequest


def client_ip(request: HttpRequest) -> str:
    remote_addr = request.META.get("REMOTE_ADDR", "")
    proxies = settings.TRUSTED_PROXY_COUNT
    if proxies <= 0:
        return remote_addr
    forwarded = [part.strip() for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if part.strip()]
    if not forwarded:
        return remote_addr
    # Fewer entries than proxies (a request that bypassed some): the leftmost, as the API's throttles read it.
    return forwarded[-min(proxies, len(forwarded))]
