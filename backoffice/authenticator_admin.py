"""Authenticator devices in the admin, read-only and never with their key: managers delete a console user's
when its phone is lost (the user enrols again at the next login). Staff devices are the superusers' alone:
a manager who could delete one could enrol their own phone for that person, knowing the password.

It stands instead of django-otp's admin, which shows keys and QR codes: registered from backoffice.admin,
which Django loads before django-otp's admin module (INSTALLED_APPS order), which then leaves it in place."""

from django.contrib import admin
from django_otp.plugins.otp_totp.models import TOTPDevice


@admin.register(TOTPDevice)
class AuthenticatorAdmin(admin.ModelAdmin):
    list_display = ["user", "name", "confirmed", "created_at", "last_used_at"]
    list_filter = ["confirmed"]
    list_select_related = ["user"]
    search_fields = ["user__username", "user__email"]
    fields = readonly_fields = list_display

    def get_queryset(self, request):
        devices = super().get_queryset(request)
        return devices if request.user.is_superuser else devices.filter(user__is_staff=False)

    def has_add_permission(self, request) -> bool:
        return False  # each person enrols their own app at sign-in

    def has_change_permission(self, request, obj=None) -> bool:
        return False
