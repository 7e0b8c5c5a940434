"""The console's forms: its login, and the month a report covers."""

import datetime as dt

from django import forms
from django.contrib.auth.forms import AuthenticationForm

from console.access import client_of
from core.forms import PeriodDateField, bound_username


class ConsoleLoginForm(AuthenticationForm):
    """A password login for our clients' people; facility staff sign in to the back office instead."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        bound_username(self)

    def confirm_login_allowed(self, user) -> None:
        super().confirm_login_allowed(user)
        if user.is_staff or client_of(user) is None:
            raise forms.ValidationError(
                "This login is for the staff of our clients. Facility staff sign in to the back office.",
                code="not_a_client_account",
            )


class MonthForm(forms.Form):
    month = PeriodDateField(input_formats=["%Y-%m"], widget=forms.DateInput(format="%Y-%m", attrs={"type": "month"}),
                            help_text="The month whose returns the report counts (YYYY-MM).")

    def clean_month(self) -> dt.date:
        return self.cleaned_data["month"].replace(day=1)
