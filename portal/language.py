"""The portal's language: one of the client's, as the customer chose it, else the browser's, else the order's."""

from django.conf import settings
from django.http import HttpRequest
from django.utils.translation import get_supported_language_variant
from django.utils.translation.trans_real import parse_accept_lang_header

from rma.models import Client, Order

SESSION_KEY = "portal-language"


def spoken_by(client: Client) -> list[str]:
    """The client's languages we have translations for, its first the default."""
    ours = dict(settings.LANGUAGES)
    spoken = [code for code in client.languages if code in ours]
    return spoken or [get_supported_language_variant(settings.LANGUAGE_CODE)]


def _among(wish: str, spoken: list[str]) -> str | None:
    wish = (wish or "").lower()
    for candidate in (wish, wish.split("-")[0]):
        if candidate in spoken:
            return candidate
    return None


def language_for(request: HttpRequest, *, client: Client, order: Order | None) -> str:
    spoken = spoken_by(client)
    chosen = _among(request.session.get(SESSION_KEY, ""), spoken)
    if chosen:
        return chosen
    for wish, _quality in parse_accept_lang_header(request.headers.get("Accept-Language", "")):
        found = _among(wish, spoken)
        if found:
            return found
    return (_among(order.language, spoken) if order else None) or spoken[0]


def choose(request: HttpRequest, *, client: Client, language: str) -> bool:
    """Keep the customer's pick for the rest of their visit; False when the client does not speak it."""
    if language not in spoken_by(client):
        return False
    request.session[SESSION_KEY] = language
    return True


def names(client: Client) -> list[tuple[str, str]]:
    """(code, the language's own name) for the switch: each language named in itself."""
    ours = dict(settings.LANGUAGES)
    return [(code, ours[code]) for code in spoken_by(client)]
