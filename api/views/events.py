"""GET /api/v1/events/: the client's return events after a cursor, oldest first, as the webhooks carry them."""

from django.db.models import F
from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import exceptions, serializers
from rest_framework.response import Response
from rest_framework.utils.urls import replace_query_param

from api import examples
from api.base import ClientView
from backoffice.selectors import returns_list
from rma.models import ReturnEvent
from rma.webhooks import state_change_data, state_change_type

PAGE_SIZE = 100
LARGEST_CURSOR = 2**63 - 1

EventSerializer = inline_serializer(name="Event", fields={
    "id": serializers.CharField(help_text="The cursor: pass it as ?after= to read on."),
    "type": serializers.CharField(help_text="return.<state>, as the webhook's type"),
    "timestamp": serializers.DateTimeField(),
    "data": serializers.DictField(help_text="The webhook's data: id, ran, order_number, state, from_state, "
                                            "event_id, at"),
})
EventPageSerializer = inline_serializer(name="EventPage", fields={
    "results": serializers.ListField(child=EventSerializer),
    "next": serializers.URLField(help_text="Poll this address for the events after these; it is always given."),
})


class EventFeedView(ClientView):
    @extend_schema(
        operation_id="events_list", summary="The client's return events after a cursor, oldest first",
        parameters=[OpenApiParameter("after", int, description="The id of the last event you read; 0 or none "
                                                              "for the first.")],
        responses={200: EventPageSerializer, **examples.READ_ERRORS, 400: examples.ERRORS[400]},
        examples=[examples.EVENTS_RESPONSE],
    )
    def get(self, request):
        after = request.query_params.get("after", "0")
        if not after.isdigit() or int(after) > LARGEST_CURSOR:
            raise exceptions.ValidationError({"after": ["Give the id of the last event you read (a whole number)."]})
        # A change of state only, as the webhooks announce them: never a staff note.
        events = list(
            ReturnEvent.objects.filter(return_request__in=returns_list(viewer=request.user).values("pk"))
            .exclude(from_state=F("to_state")).filter(pk__gt=int(after))
            .select_related("return_request__order").order_by("pk")[:PAGE_SIZE]
        )
        cursor = events[-1].pk if events else int(after)
        results = [
            {"id": str(event.pk), "type": state_change_type(event), "timestamp": event.at.isoformat(),
             "data": state_change_data(rma=event.return_request, event=event)}
            for event in events
        ]
        next_url = replace_query_param(request.build_absolute_uri(), "after", cursor)
        return Response({"results": results, "next": next_url})
