"""Where a webhook may go: https to a public address, checked when the URL is set and again at send
time after DNS, so nobody points the sender at Redis, the database or the cloud's metadata service.

settings.OUTBOX_ALLOW_PRIVATE_URLS (tests, the embedded demo) allows http and private addresses.
"""

import ipaddress
import socket
from urllib.parse import urlsplit

from django.conf import settings

from core.errors import InvalidInput

MAX_URL_LENGTH = 500


def check_url(url: str, *, resolve: bool = True) -> None:
    """Raise InvalidInput unless `url` is a webhook URL the sender may call."""
    allow_private = settings.OUTBOX_ALLOW_PRIVATE_URLS
    if len(url) > MAX_URL_LENGTH:
        raise InvalidInput(f"A webhook URL has at most {MAX_URL_LENGTH} characters.")
    parts = urlsplit(url)
    if parts.scheme != "https" and not (allow_private and parts.scheme == "http"):
        raise InvalidInput("A webhook URL must start with https://.")
    if not parts.hostname or parts.username or parts.password:
        raise InvalidInput("A webhook URL names a host, without a user name or password.")
    if resolve and not allow_private:
        for address in addresses_of(parts.hostname, parts.port or 443):
            if not address.is_global:
                raise InvalidInput(f"{parts.hostname} is a private address ({address}): webhooks go to public ones.")


def addresses_of(host: str, port: int) -> set[ipaddress.IPv4Address | ipaddress.IPv6Address]:
    try:
        found = socket.getaddrinfo(host, port, proto=socket.IPPROTO_TCP)
    except (socket.gaierror, UnicodeError) as error:
        raise InvalidInput(f"{host} does not resolve: {error}.") from None
    return {ipaddress.ip_address(info[4][0].split("%")[0]) for info in found}
