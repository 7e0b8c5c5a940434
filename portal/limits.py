"""Rate limits on the portal's lookups, per IP address and per order number (or RAN), so nobody can try
emails or numbers in bulk."""

from django.conf import settings

from core.rate_limits import longest_wait, refused_for


def lookup_refused_for(*, ip: str, client_code: str, reference: str) -> int | None:
    """Count a lookup of `reference` (an order number or RAN) from `ip`; the seconds to wait if it is one
    too many, else None."""
    window = settings.PORTAL_LOOKUP_WINDOW_SECONDS
    return longest_wait(
        refused_for(scope="portal-ip", value=ip, allowed=settings.PORTAL_LOOKUPS_PER_IP, window=window),
        refused_for(scope="portal-reference", value=f"{client_code}:{reference.strip().upper()}",
                    allowed=settings.PORTAL_LOOKUPS_PER_ORDER, window=window),
    )
