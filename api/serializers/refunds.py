"""Refunds and exchanges as the client's systems read and confirm them."""

from rest_framework import serializers

from api.serializers.strict import StrictSerializer
from refunds.models import RefundStatus
from rma.models import RefundMethod


class RefundSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    return_id = serializers.IntegerField(source="return_request_id")
    ran = serializers.CharField(source="return_request.ran", allow_null=True)
    order_number = serializers.CharField(source="return_request.order.number")
    amount = serializers.DecimalField(max_digits=12, decimal_places=3, coerce_to_string=True)
    currency = serializers.CharField()
    method = serializers.ChoiceField(choices=RefundMethod.choices)
    status = serializers.ChoiceField(choices=RefundStatus.choices)
    reference = serializers.CharField(source="external_reference", help_text="Your payout or replacement order.")
    proposed_at = serializers.DateTimeField()
    issued_at = serializers.DateTimeField(allow_null=True)


class ConfirmSerializer(StrictSerializer):
    reference = serializers.CharField(
        max_length=200, required=False, help_text="Your payout's reference, for a refund paid on your side."
    )
    replacement_order_number = serializers.CharField(
        max_length=64, required=False, help_text="The replacement order's number, for an exchange."
    )

    def validate(self, data):
        if len(data) != 1:
            raise serializers.ValidationError(
                {"reference": ["Give either a reference (a refund) or a replacement_order_number (an exchange)."]}
            )
        return data
