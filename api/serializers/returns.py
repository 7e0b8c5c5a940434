"""Returns as client systems open, read, cancel and track them (DESIGN.md "REST API")."""

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from api.serializers.strict import StrictSerializer
from rma.models import Reason, RefundMethod, RequestChannel, ReturnRequest
from rma.states import ReturnState
from rma.webhooks import state_change_type

MOST_ITEMS = 200


class ReturnItemRequestSerializer(StrictSerializer):
    line_number = serializers.IntegerField(min_value=1, max_value=2**31 - 1)
    quantity = serializers.IntegerField(min_value=1, max_value=10_000, default=1)
    reason = serializers.ChoiceField(choices=Reason.choices)
    comment = serializers.CharField(max_length=2000, required=False, allow_blank=True, default="")
    serial_number = serializers.CharField(max_length=100, required=False, allow_blank=True, default="")


class ReturnCreateSerializer(StrictSerializer):
    order_number = serializers.CharField(max_length=64)
    items = ReturnItemRequestSerializer(many=True, allow_empty=False, max_length=MOST_ITEMS)
    refund_method = serializers.ChoiceField(
        choices=RefundMethod.choices, required=False, help_text="The policy's default when left out."
    )
    exchange_sku = serializers.CharField(
        max_length=64, required=False, allow_blank=True, default="", help_text="For an exchange: the SKU to send."
    )


class CancelSerializer(StrictSerializer):
    reason = serializers.CharField(max_length=1000)


class TrackingSerializer(StrictSerializer):
    carrier = serializers.CharField(max_length=60)
    tracking_number = serializers.CharField(max_length=100)


class ReturnItemSerializer(serializers.Serializer):
    unit_number = serializers.IntegerField()
    line_number = serializers.IntegerField(source="order_line.line_number")
    sku = serializers.CharField(source="order_line.sku")
    reason = serializers.ChoiceField(choices=Reason.choices)
    comment = serializers.CharField()
    serial_number = serializers.CharField()
    grade = serializers.SerializerMethodField(help_text="The inspector's grade, once inspected.")
    disposition = serializers.SerializerMethodField(help_text="What the unit became, once decided.")

    def get_grade(self, item) -> str | None:
        inspection = getattr(item, "inspection", None)
        return inspection.grade or None if inspection else None

    def get_disposition(self, item) -> str | None:
        disposition = getattr(item, "disposition", None)
        return disposition.action if disposition else None


class RefundSummarySerializer(serializers.Serializer):
    id = serializers.IntegerField()
    amount = serializers.DecimalField(max_digits=12, decimal_places=3, coerce_to_string=True)
    currency = serializers.CharField()
    method = serializers.CharField()
    status = serializers.CharField()


class ReturnEventSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    type = serializers.SerializerMethodField()
    from_state = serializers.CharField()
    to_state = serializers.ChoiceField(choices=ReturnState.choices)
    at = serializers.DateTimeField()

    def get_type(self, event) -> str:
        return state_change_type(event)


class ReturnSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    ran = serializers.CharField(allow_null=True)
    state = serializers.ChoiceField(choices=ReturnState.choices)
    order_number = serializers.CharField(source="order.number")
    channel = serializers.ChoiceField(choices=RequestChannel.choices)
    refund_method = serializers.ChoiceField(choices=RefundMethod.choices)
    exchange_sku = serializers.CharField()
    carrier = serializers.CharField()
    tracking_number = serializers.CharField()
    requested_at = serializers.DateTimeField()
    updated_at = serializers.DateTimeField()
    items = ReturnItemSerializer(many=True, source="items.all")
    refund = serializers.SerializerMethodField()
    events = serializers.SerializerMethodField()

    @extend_schema_field(RefundSummarySerializer(allow_null=True))
    def get_refund(self, rma: ReturnRequest) -> dict | None:
        # From the prefetched refunds (api.views.returns): a list reads them in one query.
        refunds = [refund for refund in rma.refunds.all() if not refund.is_correction]
        latest = max(refunds, key=lambda refund: (refund.proposed_at, refund.pk), default=None)
        return RefundSummarySerializer(latest).data if latest else None

    @extend_schema_field(ReturnEventSerializer(many=True))
    def get_events(self, rma: ReturnRequest) -> list:
        # The changes of state only, as the webhooks announce them: never a staff note.
        events = sorted(rma.events.all(), key=lambda event: (event.at, event.pk))
        changes = [event for event in events if event.from_state != event.to_state]
        return ReturnEventSerializer(changes, many=True).data
