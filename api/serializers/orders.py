"""Orders as client systems send and read them (DESIGN.md "REST API")."""

from rest_framework import serializers

from api.serializers.strict import DecimalString, StrictSerializer
from rma.models import PaymentMethod

LARGEST_WHOLE_NUMBER = 2**31 - 1
MOST_LINES = 500


class CustomerSerializer(StrictSerializer):
    email = serializers.EmailField(max_length=254)
    name = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")
    phone = serializers.CharField(max_length=40, required=False, allow_blank=True, default="")
    address_line1 = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")
    address_line2 = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")
    city = serializers.CharField(max_length=100, required=False, allow_blank=True, default="")
    region = serializers.CharField(max_length=100, required=False, allow_blank=True, default="")
    postal_code = serializers.CharField(max_length=20, required=False, allow_blank=True, default="")
    country = serializers.CharField(
        max_length=2, required=False, allow_blank=True, default="", help_text="ISO 3166 code, e.g. DE"
    )


class OrderLineSerializer(StrictSerializer):
    line_number = serializers.IntegerField(min_value=1, max_value=LARGEST_WHOLE_NUMBER)
    sku = serializers.CharField(max_length=64)
    description = serializers.CharField(max_length=300, required=False, allow_blank=True, default="")
    category = serializers.CharField(max_length=100, required=False, allow_blank=True, default="")
    quantity = serializers.IntegerField(min_value=1, max_value=LARGEST_WHOLE_NUMBER)
    unit_price = DecimalString(max_digits=12, decimal_places=3, min_value=0, coerce_to_string=True)
    serial_numbers = serializers.ListField(
        child=serializers.CharField(max_length=100), required=False, default=list, max_length=1000
    )


class OrderCreateSerializer(StrictSerializer):
    number = serializers.CharField(max_length=64)
    customer = CustomerSerializer()
    ordered_at = serializers.DateTimeField()
    delivered_at = serializers.DateTimeField(required=False, allow_null=True, default=None)
    payment_method = serializers.ChoiceField(choices=PaymentMethod.choices)
    payment_reference = serializers.CharField(max_length=128, required=False, allow_blank=True, default="")
    currency = serializers.RegexField(r"^[A-Z]{3}$", max_length=3, help_text="ISO 4217 code, e.g. EUR")
    lines = OrderLineSerializer(many=True, allow_empty=False, max_length=MOST_LINES)


class OrderCustomerSerializer(serializers.Serializer):
    """The customer of an order, with the address the order ships from."""

    email = serializers.EmailField(source="customer.email")
    name = serializers.CharField(source="customer.name")
    phone = serializers.CharField(source="customer.phone")
    address_line1 = serializers.CharField()
    address_line2 = serializers.CharField()
    city = serializers.CharField()
    region = serializers.CharField()
    postal_code = serializers.CharField()
    country = serializers.CharField()


class OrderSerializer(serializers.Serializer):
    number = serializers.CharField()
    customer = OrderCustomerSerializer(source="*")
    ordered_at = serializers.DateTimeField()
    delivered_at = serializers.DateTimeField(allow_null=True)
    payment_method = serializers.ChoiceField(choices=PaymentMethod.choices)
    payment_reference = serializers.CharField()
    currency = serializers.CharField()
    lines = OrderLineSerializer(many=True, source="lines.all")
