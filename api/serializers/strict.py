"""Serializers that refuse what they do not know: an unknown field is a 400 naming it, never ignored."""

from rest_framework import serializers


class StrictSerializer(serializers.Serializer):
    def to_internal_value(self, data):
        if isinstance(data, dict):
            unknown = sorted(set(data) - set(self.fields))
            if unknown:
                raise serializers.ValidationError({name: ["This field is not known."] for name in unknown})
        return super().to_internal_value(data)


class DecimalString(serializers.DecimalField):
    """Money as a decimal string ("129.90"), never a JSON number, whose binary float would round it."""

    default_error_messages = {"not_a_string": 'Write the amount as a decimal string, e.g. "129.90".'}

    def to_internal_value(self, data):
        if not isinstance(data, str):
            self.fail("not_a_string")
        return super().to_internal_value(data)
