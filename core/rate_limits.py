"""Counting attempts per key in a fixed window in Django's cache (Redis across web processes when configured):
the portal's lookups and the admin's password-reset requests."""

import hashlib
import math
import time

from django.core.cache import cache


def _cache_key(scope: str, value: str) -> str:
    # Hashed: the keys name no order number, email or address, and stay short and cache-safe.
    return f"rate-limit:{scope}:{hashlib.sha256(value.encode()).hexdigest()}"


def refused_for(*, scope: str, value: str, allowed: int, window: int) -> int | None:
    """Count one attempt; the seconds until the window ends when this one is over the limit, else None."""
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


def longest_wait(*waits: int | None) -> int | None:
    """The wait of the strictest limit that refused, or None when none did."""
    refused = [wait for wait in waits if wait]
    return max(refused) if refused else None
