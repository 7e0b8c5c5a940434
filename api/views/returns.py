"""The returns endpoints: open, list, read, cancel, tracking and the label, all through rma's services."""

from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import exceptions, status
from rest_framework.response import Response

from api import examples
from api.base import ClientView, ClientWriteView
from api.filters import ReturnFilter
from api.orders import order_for
from api.pagination import NewestFirst
from api.serializers.returns import (
    CancelSerializer,
    ReturnCreateSerializer,
    ReturnSerializer,
    TrackingSerializer,
)
from backoffice.selectors import returns_list
from core.errors import DomainError
from rma import labels, services
from rma import selectors as rma_selectors
from rma.models import RequestChannel, ReturnRequest
from rma.views import label_download

LABEL_FORMATS = ("4x6", "a4", "letter", "zpl")


class ClientReturns:
    """The returns of the request's client, read through the back office's returns list."""

    def visible_returns(self):
        return returns_list(viewer=self.request.user).prefetch_related(
            "items__order_line", "items__inspection", "items__disposition", "refunds", "events"
        ).select_related("order")

    def return_or_404(self, pk: int) -> ReturnRequest:
        rma = self.visible_returns().filter(pk=pk).first()
        if rma is None:
            raise exceptions.NotFound("No such return.")
        return rma


class ReturnListCreateView(ClientReturns, ClientWriteView):
    serializer_class = ReturnSerializer
    filter_backends = [DjangoFilterBackend]
    filterset_class = ReturnFilter
    pagination_class = NewestFirst

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):  # the schema is drawn with no one asking
            return ReturnRequest.objects.none()
        return self.visible_returns()

    @extend_schema(operation_id="returns_list", summary="The client's returns, newest first",
                   responses={200: ReturnSerializer(many=True), **examples.READ_ERRORS, 400: examples.ERRORS[400]},
                   examples=[examples.RETURN_RESPONSE])
    def get(self, request):
        page = self.paginate_queryset(self.filter_queryset(self.get_queryset()))
        return self.get_paginated_response(ReturnSerializer(page, many=True).data)

    @extend_schema(operation_id="returns_create", summary="Open a return",
                   request=ReturnCreateSerializer, responses={201: ReturnSerializer, **examples.ERRORS},
                   examples=[examples.RETURN_REQUEST, examples.RETURN_RESPONSE], filters=False)
    def post(self, request):
        asked = ReturnCreateSerializer(data=request.data)
        asked.is_valid(raise_exception=True)
        data = asked.validated_data
        order = order_for(self.client, data["order_number"], request.user)
        lines = {line.line_number: line for line in order.lines.all()}
        unknown = [item["line_number"] for item in data["items"] if item["line_number"] not in lines]
        if unknown:
            raise exceptions.ValidationError(
                {"items": [f"Order {order.number} has no line {number}." for number in unknown]}
            )
        items = [
            {"order_line": lines[item["line_number"]], **{k: v for k, v in item.items() if k != "line_number"}}
            for item in data["items"]
        ]
        rma = services.create_return_request(
            order=order, items=items, channel=RequestChannel.API, actor=request.user,
            refund_method=data.get("refund_method"), exchange_sku=data["exchange_sku"],
        )
        return Response(ReturnSerializer(self.return_or_404(rma.pk)).data, status=status.HTTP_201_CREATED)


class ReturnDetailView(ClientReturns, ClientView):
    serializer_class = ReturnSerializer

    @extend_schema(operation_id="returns_retrieve", summary="A return with its units, refund and changes",
                   responses={200: ReturnSerializer, **examples.READ_ERRORS}, examples=[examples.RETURN_RESPONSE])
    def get(self, request, pk: int):
        return Response(ReturnSerializer(self.return_or_404(pk)).data)


class ReturnCancelView(ClientReturns, ClientWriteView):
    serializer_class = CancelSerializer

    @extend_schema(operation_id="returns_cancel", summary="Cancel a return before it ships",
                   request=CancelSerializer, responses={200: ReturnSerializer, **examples.ERRORS},
                   examples=[examples.CANCEL_REQUEST, examples.RETURN_RESPONSE])
    def post(self, request, pk: int):
        asked = CancelSerializer(data=request.data)
        asked.is_valid(raise_exception=True)
        rma = self.return_or_404(pk)
        services.cancel_return(rma=rma, actor=request.user, reason=asked.validated_data["reason"])
        return Response(ReturnSerializer(self.return_or_404(pk)).data)


class ReturnTrackingView(ClientReturns, ClientWriteView):
    serializer_class = TrackingSerializer

    @extend_schema(operation_id="returns_tracking", summary="Set the carrier and tracking number",
                   request=TrackingSerializer, responses={200: ReturnSerializer, **examples.ERRORS},
                   examples=[examples.TRACKING_REQUEST, examples.RETURN_RESPONSE])
    def post(self, request, pk: int):
        asked = TrackingSerializer(data=request.data)
        asked.is_valid(raise_exception=True)
        rma = self.return_or_404(pk)
        services.set_tracking(rma=rma, actor=request.user, **asked.validated_data)
        return Response(ReturnSerializer(self.return_or_404(pk)).data)


class ReturnLabelView(ClientReturns, ClientView):
    @extend_schema(
        operation_id="returns_label", summary="The return label: a 4x6 PDF, or A4, Letter or ZPL",
        parameters=[OpenApiParameter("paper", str, enum=LABEL_FORMATS, default="4x6")],
        responses={
            (200, "application/pdf"): OpenApiResponse(OpenApiTypes.BINARY, description="The label"),
            (200, "text/plain"): OpenApiResponse(OpenApiTypes.STR, description="The label in ZPL (?paper=zpl)"),
            **examples.READ_ERRORS, 400: examples.ERRORS[400], 409: examples.ERRORS[409],
        },
    )
    def get(self, request, pk: int):
        paper = request.query_params.get("paper", "4x6")
        if paper not in LABEL_FORMATS:
            raise exceptions.ValidationError({"paper": [f"Use one of {', '.join(LABEL_FORMATS)}."]})
        rma = self.return_or_404(pk)
        batch = rma_selectors.label_batch(pks=[rma.pk])
        if batch.without_ran:
            raise DomainError("This return has no RAN yet: its label prints once it is authorized.", code="no_label")
        if batch.ended:
            raise DomainError(f"This return is {rma.get_state_display().lower()}: no parcel is awaited.",
                              code="no_label")
        rma = batch.printable[0]
        if paper == "zpl":
            return label_download(labels.render_label_zpl(rma), filename=f"{rma.ran}.zpl",
                                  content_type="text/plain; charset=utf-8", attachment=True)
        # The label and its packing slip, as the customer prints them at home.
        pdf = labels.render_labels_pdf([rma], paper=paper, packing_slips=True)
        return label_download(pdf, filename=f"{rma.ran}-{paper}.pdf")
