"""Rate limits on the portal's lookups, per IP address and per order number (or RAN), in Django's cache
(Redis across web processes when configured), so nobody can try emails or numbers in bulk."""

import hashlib
import math
import time

from django.conf import settings
from django.core.cache import cache


def _cache_key(scope: str, value: str) -> str:
    # Hashed: the keys name no customer's order number or address, and stay short and cache-safe.
    return f"portal-limit:{scope}:{hashlib.sha256(value.encode()).hexdigest()}"


def _over(scope: str, value: str, allowed: int) -> int | None:
    """Count one attempt; the seconds until the window ends when this one is over the limit, else None."""
    window = settings.PORTAL_LOOKUP_WINDOW_SECONDS
    key = _cache_key(scope, value)
    cache.add(f"{key}:since", time.time(), timeout=window)
    cache.add(key, 0, timeout=window)
    try:
        attempts = cache.incr(key)
    except ValueError:  # the window ended between add and incr: this is the first attempt of the next
        cache.set(key, 1, timeout=window)
        attempts = 1
    if attempts <= allowed:
        return None
    since = cache.get(f"{key}:since") or time.time()
    return max(1, math.ceil(since + window - time.time()))


def lookup_refused_for(*, ip: str, client_code: str, reference: str) -> int | None:
    """Count a lookup of `reference` (an order number or RAN) from `ip`; the seconds to wait if it is one
    too many, else None."""
    by_ip = _over("ip", ip, settings.PORTAL_LOOKUPS_PER_IP)
    by_reference = _over("reference", f"{client_code}:{reference.strip().upper()}", settings.PORTAL_LOOKUPS_PER_ORDER)
    waits = [wait for wait in (by_ip, by_reference) if wait]
    return max(waits) if waits else None
