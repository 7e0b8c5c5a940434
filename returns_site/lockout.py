"""The page a locked-out sign-in gets (django-axes' AXES_LOCKOUT_CALLABLE): the admin's or the console's look,
saying why and for how long, with a 429 so scripts see they are throttled."""

import math

from axes.helpers import get_client_username, get_cool_off
from django.contrib import admin
from django.http import HttpRequest, HttpResponse
from django.template.response import TemplateResponse

TOO_MANY_REQUESTS = 429


def locked_out_page(
    request: HttpRequest, original_response: HttpResponse | None, credentials: dict | None,
) -> HttpResponse:
    minutes = math.ceil(get_cool_off(request).total_seconds() / 60)
    context = {"username": get_client_username(request, credentials) or "", "minutes": minutes}
    match = request.resolver_match
    if match is not None and match.namespace == "console":
        template = "console/locked_out.html"
    else:
        template = "admin/locked_out.html"
        context.update(admin.site.each_context(request), title="Sign-in locked")
    response = TemplateResponse(request, template, context, status=TOO_MANY_REQUESTS)
    response["Retry-After"] = str(minutes * 60)
    return response.render()
