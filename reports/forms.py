import datetime as dt

from django import forms
from django.utils.http import urlencode

from core.forms import PeriodDateField
from reports.selectors import ReportScope, default_scope
from rma.models import Client


class DateInput(forms.DateInput):
    input_type = "date"


class ReportFilterForm(forms.Form):
    client = forms.ModelChoiceField(Client.objects.all(), required=False, empty_label="All clients")
    date_from = PeriodDateField(label="From", widget=DateInput)
    date_to = PeriodDateField(label="To (included)", widget=DateInput)

    @classmethod
    def defaults(cls) -> dict[str, str]:
        scope = default_scope()
        return {"date_from": scope.date_from.isoformat(), "date_to": scope.date_to.isoformat()}

    def clean(self):
        cleaned = super().clean()
        date_from, date_to = cleaned.get("date_from"), cleaned.get("date_to")
        if date_from and date_to and date_from > date_to:
            raise forms.ValidationError("The period must start on or before its last day.")
        return cleaned

    def scope(self) -> ReportScope:
        return ReportScope(self.cleaned_data["date_from"], self.cleaned_data["date_to"], self.cleaned_data["client"])

    def query_string(self) -> str:
        scope = self.scope()
        query = {"date_from": scope.date_from.isoformat(), "date_to": scope.date_to.isoformat()}
        return urlencode({**query, "client": scope.client.pk} if scope.client else query)


class MonthInput(forms.DateInput):
    input_type = "month"

    def __init__(self, attrs=None) -> None:
        super().__init__(attrs, format="%Y-%m")


class MonthlyReportForm(forms.Form):
    client = forms.ModelChoiceField(Client.objects.all())
    month = PeriodDateField(input_formats=["%Y-%m"], widget=MonthInput, help_text="Year and month, e.g. 2026-10.")

    def clean_month(self) -> dt.date:
        return self.cleaned_data["month"].replace(day=1)
