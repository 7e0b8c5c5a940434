"""The second factor of the console and the admin (django-otp TOTP): enrolment on the first login, then a
token on every login."""

from base64 import b32encode
from dataclasses import dataclass

import qrcode
import qrcode.image.svg
from django import forms
from django.contrib.auth.models import AbstractBaseUser
from django.http import HttpRequest
from django_otp import login as otp_login
from django_otp.plugins.otp_totp.models import TOTPDevice

DEVICE_NAME = "Authenticator app"


def enrolled_device(user: AbstractBaseUser) -> TOTPDevice | None:
    return TOTPDevice.objects.filter(user=user, confirmed=True).first()


def new_device(user: AbstractBaseUser) -> TOTPDevice:
    """A fresh, unconfirmed device: a key shown on an earlier visit and never confirmed stops counting."""
    TOTPDevice.objects.filter(user=user, confirmed=False).delete()
    return TOTPDevice.objects.create(user=user, name=DEVICE_NAME, confirmed=False)


def pending_device(user: AbstractBaseUser) -> TOTPDevice | None:
    return TOTPDevice.objects.filter(user=user, confirmed=False).first()


def secret_of(device: TOTPDevice) -> str:
    """The key as authenticator apps take it when typed: base32, in groups of four."""
    text = b32encode(device.bin_key).decode().rstrip("=")
    return " ".join(text[i:i + 4] for i in range(0, len(text), 4))


def qr_svg(device: TOTPDevice) -> str:
    """The otpauth:// address as an inline SVG QR code (no image file, nothing fetched)."""
    image = qrcode.make(device.config_url, image_factory=qrcode.image.svg.SvgPathImage, box_size=8)
    return image.to_string(encoding="unicode")


class TokenForm(forms.Form):
    token = forms.RegexField(
        regex=r"^\s*\d{6}\s*$", label="Six-digit code from your authenticator app",
        error_messages={"invalid": "Type the six digits your authenticator app shows."},
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "numeric"}),
    )

    def __init__(self, *args, device: TOTPDevice, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.device = device

    def clean_token(self) -> str:
        token = self.cleaned_data["token"].strip()
        # verify_token throttles repeated failures on the device itself.
        if not self.device.verify_token(token):
            raise forms.ValidationError("That code is not right (or no longer valid). Try the current one.")
        return token


@dataclass(frozen=True)
class Step:
    """One visit to a second-factor page: the form, whether the person is enrolling, and whether it passed."""

    form: TokenForm
    device: TOTPDevice
    enrolling: bool
    passed: bool

    def context(self) -> dict:
        context = {"form": self.form, "enrolling": self.enrolling}
        if self.enrolling:
            context.update(secret=secret_of(self.device), qr_svg=qr_svg(self.device))
        return context


def take_second_factor(request: HttpRequest) -> Step:
    """The signed-in person's second factor: enrol an authenticator app the first time (the key shown until
    confirmed), its code every later time; a right code confirms the device and verifies the session."""
    device = enrolled_device(request.user)
    enrolling = device is None
    if enrolling:
        device = pending_device(request.user) if request.method == "POST" else None
        device = device or new_device(request.user)
    form = TokenForm(request.POST if request.method == "POST" else None, device=device)
    passed = form.is_valid()
    if passed:
        if enrolling:
            device.confirmed = True
            device.save(update_fields=["confirmed"])
        otp_login(request, device)
    return Step(form=form, device=device, enrolling=enrolling, passed=passed)
