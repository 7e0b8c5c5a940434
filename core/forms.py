"""Form fields the admin's list-valued settings are edited with, instead of raw JSON, and the date field of
every period a person picks."""

import datetime as dt
import re

from django import forms

# The days a report, a filter or a period may name. Far-off dates are a slip or a probe, and arithmetic on
# them fails: the end of a period is the next day's midnight, and 31 Dec 9999 has no next day.
EARLIEST_DATE, LATEST_DATE = dt.date(2000, 1, 1), dt.date(2099, 12, 31)


class PeriodDateField(forms.DateField):
    """A date between EARLIEST_DATE and LATEST_DATE; any other is a form error saying so."""

    default_error_messages = {
        "out_of_range": f"Give a date between {EARLIEST_DATE:%-d %b %Y} and {LATEST_DATE:%-d %b %Y}.",
    }

    def validate(self, value) -> None:
        super().validate(value)
        if value is not None and not EARLIEST_DATE <= value <= LATEST_DATE:
            raise forms.ValidationError(self.error_messages["out_of_range"], code="out_of_range")


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
