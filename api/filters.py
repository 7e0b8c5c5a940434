"""The filters of the API's lists; a RAN is matched however it is written, as everywhere (rma.ran)."""

import datetime as dt

import django_filters
from rest_framework.exceptions import ValidationError

from rma import ran as ran_codes
from rma.models import ReturnRequest
from rma.states import ReturnState


class ReturnFilter(django_filters.FilterSet):
    state = django_filters.ChoiceFilter(choices=ReturnState.choices)
    ran = django_filters.CharFilter(method="with_ran", max_length=40, help_text="The RAN, however written.")
    order_number = django_filters.CharFilter(field_name="order__number", max_length=64)
    updated_since = django_filters.IsoDateTimeFilter(method="updated_since_moment")

    class Meta:
        model = ReturnRequest
        fields = ["state", "ran", "order_number", "updated_since"]

    def updated_since_moment(self, returns, name, value):
        # In UTC: the database takes no offset beyond ±15:59, and a moment before year 1 is no moment.
        try:
            moment = value.astimezone(dt.UTC)
        except OverflowError:
            raise ValidationError({"updated_since": ["Give a moment after year 1."]}) from None
        return returns.filter(updated_at__gte=moment)

    def with_ran(self, returns, name, value):
        return returns.filter(ran=ran_codes.parse_ran(value) or "")
