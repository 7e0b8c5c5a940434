"""The admin's second factor: finance, managers and superusers give a TOTP code after their password
(ADMIN_REQUIRE_TWO_FACTOR, on in production), enrolling an authenticator app at their first login
(core.two_factor). Until then the admin opens nothing else but this page and logging out."""

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.contrib.auth.views import redirect_to_login
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from core import two_factor

# The roles that move money or run the floor: a stolen password alone must not open their admin.
GROUPS_ASKED = ("finance", "manager")


def required_for(user: AbstractBaseUser) -> bool:
    return settings.ADMIN_REQUIRE_TWO_FACTOR and (
        user.is_superuser or user.groups.filter(name__in=GROUPS_ASKED).exists()
    )


def pending(request: HttpRequest) -> bool:
    """Signed in to the admin with the password, the code still owed."""
    user = request.user
    if not (settings.ADMIN_REQUIRE_TWO_FACTOR and user.is_authenticated and user.is_active and user.is_staff):
        return False
    return not user.is_verified() and required_for(user)


@never_cache
@require_http_methods(["GET", "POST"])
def second_factor_page(request: HttpRequest, site) -> HttpResponse:
    """After the password: the authenticator's code, or its enrolment (QR code and key) the first time."""
    if not (request.user.is_authenticated and request.user.is_active and request.user.is_staff):
        return redirect_to_login(request.get_full_path(), reverse("admin:login", current_app=site.name))
    next_url = request.POST.get("next") or request.GET.get("next") or ""
    if not url_has_allowed_host_and_scheme(next_url, allowed_hosts={request.get_host()}):
        next_url = ""
    next_url = next_url or reverse("admin:index", current_app=site.name)
    if not pending(request):
        return HttpResponseRedirect(next_url)
    step = two_factor.take_second_factor(request)
    if step.passed:
        return HttpResponseRedirect(next_url)
    context = {
        **site.each_context(request), **step.context(), "next": next_url,
        "title": "Set up your authenticator app" if step.enrolling else "Your authenticator code",
    }
    return TemplateResponse(request, "admin/two_factor.html", context, status=400 if step.form.errors else 200)
