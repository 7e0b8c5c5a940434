"""Form fields the admin's list-valued settings are edited with, instead of raw JSON, and the date field of
every period a person picks."""

import re

from django import forms
from django.core import validators

from core.moments import OUR_YEARS, in_our_years


def validate_in_our_years(value) -> None:
    """For a date or a moment field: a day outside core.moments' years is a form error saying so."""
    if value is not None and not in_our_years(value):
        raise forms.ValidationError(f"Give a date {OUR_YEARS}.", code="out_of_range")


class PeriodDateField(forms.DateField):
    """A date of a period a person picks, in core.moments' years."""

    default_validators = [validate_in_our_years]


class TagsWidget(forms.Textarea):
    """A short text box showing a list one entry a line."""

    def __init__(self, attrs=None):
        super().__init__(attrs={"rows": 3, "cols": 40, **(attrs or {})})

    def format_value(self, value):
        if isinstance(value, list | tuple):
            return "\n".join(str(entry) for entry in value)
        return super().format_value(value)


class TagListField(forms.Field):
    """A free list (SKUs, categories): entries separated by commas or new lines, trimmed, each once, in order."""

    widget = TagsWidget

    def __init__(self, *, max_length: int = 100, **kwargs):
        self.max_length = max_length
        kwargs.setdefault("required", False)
        kwargs.setdefault("help_text", "One a line, or separated by commas.")
        super().__init__(**kwargs)

    def prepare_value(self, value):
        return value

    def to_python(self, value) -> list[str]:
        if isinstance(value, list | tuple):
            entries = [str(entry) for entry in value]
        else:
            entries = re.split(r"[,\n\r]+", value or "")
        tags = list(dict.fromkeys(entry.strip() for entry in entries if entry.strip()))
        too_long = [tag for tag in tags if len(tag) > self.max_length]
        if too_long:
            raise forms.ValidationError(f"Entries are at most {self.max_length} characters: {too_long[0][:20]}…")
        return tags


class ChoiceListField(forms.TypedMultipleChoiceField):
    """A list of codes picked from their choices with checkboxes; kept in the choices' order."""

    widget = forms.CheckboxSelectMultiple

    def __init__(self, *, choices, **kwargs):
        kwargs.setdefault("required", False)
        super().__init__(choices=choices, coerce=str, **kwargs)

    def clean(self, value) -> list[str]:
        picked = set(super().clean(value))
        return [code for code, _ in self.choices if code in picked]


def bound_username(form: forms.Form) -> None:
    """Django's login forms only tell the browser the user name's length; an over-long one would reach the
    lockout's records (django-axes keeps 255 characters) and fail there, so it is a form error instead."""
    field = form.fields["username"]
    field.validators.append(validators.MaxLengthValidator(field.max_length))
