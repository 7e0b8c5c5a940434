"""The portal speaks one of the client's languages: the one picked, else the browser's, else the order's."""

from django.http import HttpRequest
from django.utils import translation

from rma.models import Client, Order

SESSION_KEY = "portal_language"


def pick(*, request: HttpRequest, client: Client, order: Order | None = None) -> str:
    spoken = list(client.languages) or ["en"]
    chosen = request.session.get(SESSION_KEY)
    if chosen in spoken:
        return chosen
    for part in request.headers.get("Accept-Language", "").split(","):
        code = part.split(";")[0].strip().lower().split("-")[0]
        if code in spoken:
            return code
    if order is not None and order.language[:2] in spoken:
        return order.language[:2]
    return spoken[0]


def activate(*, request: HttpRequest, client: Client, order: Order | None = None) -> str:
    language = pick(request=request, client=client, order=order)
    translation.activate(language)
    request.LANGUAGE_CODE = language
    return language
