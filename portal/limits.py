"""Rate limits on lookups, per IP and per order number, counted in Django's cache (Redis when configured)."""

from django.core.cache import cache
from django.http import HttpRequest

WINDOW_SECONDS = 15 * 60
PER_IP = 30
PER_ORDER = 8


def _hit(key: str, limit: int) -> bool:
    """Count one attempt; True when it is over the limit."""
    cache.add(key, 0, WINDOW_SECONDS)
    try:
        return cache.incr(key) > limit
    except ValueError:  # expired between add and incr
        cache.set(key, 1, WINDOW_SECONDS)
        return False


def lookup_refused(*, request: HttpRequest, client_code: str, reference: str) -> bool:
    ip = request.META.get("REMOTE_ADDR", "")
    over_ip = _hit(f"portal:ip:{ip}", PER_IP)
    over_reference = _hit(f"portal:ref:{client_code}:{reference.strip().lower()}", PER_ORDER)
    return over_ip or over_reference
