"""Staff reset a forgotten password by email (Django's one-use token links, the admin's own templates). The
answer is the same whether or not the address belongs to someone, and requests are counted per IP address
and per email address, so the form can be used neither to find accounts nor to send mail in bulk."""

from urllib.parse import urlsplit

from django.conf import settings
from django.contrib import admin
from django.contrib.auth import forms as auth_forms
from django.contrib.auth import views as auth_views
from django.template.response import TemplateResponse
from django.urls import reverse

from core.client_ip import client_ip
from core.rate_limits import longest_wait, refused_for

TOO_MANY_REQUESTS = 429


class StaffPasswordResetForm(auth_forms.PasswordResetForm):
    def get_users(self, email):
        # Only the back office's people: client accounts sign in elsewhere (or not at all).
        return (user for user in super().get_users(email) if user.is_staff)


class AdminLook:
    """The admin's header and title on pages outside the admin site's own views."""

    def get_context_data(self, **kwargs):
        return {**admin.site.each_context(self.request), **super().get_context_data(**kwargs)}


class RequestView(AdminLook, auth_views.PasswordResetView):
    form_class = StaffPasswordResetForm

    def form_valid(self, form):
        window = settings.PASSWORD_RESET_WINDOW_SECONDS
        wait = longest_wait(
            refused_for(scope="password-reset-ip", value=client_ip(self.request),
                        allowed=settings.PASSWORD_RESETS_PER_IP, window=window),
            refused_for(scope="password-reset-email", value=form.cleaned_data["email"].strip().lower(),
                        allowed=settings.PASSWORD_RESETS_PER_EMAIL, window=window),
        )
        if wait:
            minutes = -(-wait // 60)
            response = TemplateResponse(self.request, "registration/password_reset_throttled.html",
                                        self.get_context_data(minutes=minutes), status=TOO_MANY_REQUESTS)
            response["Retry-After"] = str(wait)
            return response
        return super().form_valid(form)

    @property
    def extra_email_context(self) -> dict:
        # The link names the public address, never the host this request came in on.
        public = urlsplit(settings.PUBLIC_BASE_URL)
        return {"protocol": public.scheme, "domain": public.netloc, "site_name": admin.site.site_header}


class RequestedView(AdminLook, auth_views.PasswordResetDoneView):
    pass


class NewPasswordView(AdminLook, auth_views.PasswordResetConfirmView):
    pass


class DoneView(AdminLook, auth_views.PasswordResetCompleteView):
    def get_context_data(self, **kwargs):
        return {**super().get_context_data(**kwargs), "login_url": reverse("admin:login")}
