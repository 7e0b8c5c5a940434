"""/healthz for load balancers and process managers: is the database there, and the broker?

Answered before every other middleware (after the request id), so it needs no login, is never rate
limited or redirected to https, and answers whatever Host header the checker sends. It says only
"ok", "unavailable" or "in-process", nothing about the data or the error.
"""

import logging
from collections.abc import Callable

import redis
from django.conf import settings
from django.db import connection
from django.http import HttpRequest, HttpResponse, JsonResponse

PATH = "/healthz"
log = logging.getLogger(__name__)


def database_status() -> str:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Exception:  # any failure is the answer "unavailable", never a 500
        log.exception("health check: the database does not answer")
        return "unavailable"
    return "ok"


def broker_status() -> str:
    if not settings.REDIS_URL:
        return "in-process"  # no broker: tasks run in the web process (the embedded default)
    try:
        redis.Redis.from_url(settings.REDIS_URL, socket_connect_timeout=2, socket_timeout=2).ping()
    except redis.exceptions.RedisError:
        log.exception("health check: Redis does not answer")
        return "unavailable"
    return "ok"


class HealthCheckMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.path_info != PATH:
            return self.get_response(request)
        status = {"database": database_status(), "broker": broker_status()}
        healthy = all(value in {"ok", "in-process"} for value in status.values())
        response = JsonResponse(status, status=200 if healthy else 503)
        response["Cache-Control"] = "no-store"
        return response
