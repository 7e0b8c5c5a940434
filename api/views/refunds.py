"""The refunds endpoints: the client's refunds, and its confirmation of one paid on its side."""

from drf_spectacular.utils import extend_schema
from rest_framework import exceptions
from rest_framework.response import Response

from api import examples
from api.base import ClientView, ClientWriteView
from api.pagination import RefundsNewestFirst
from api.serializers.refunds import ConfirmSerializer, RefundSerializer
from refunds import services as refund_services
from refunds.exchanges import confirm_exchange
from refunds.selectors import refunds_list
from rma.lists import ListQuery

ALL_REFUNDS = ListQuery(filters={"queue": "all"})


class ClientRefunds:
    def visible_refunds(self):
        return refunds_list(viewer=self.request.user, query=ALL_REFUNDS).filter(is_correction=False)

    def refund_or_404(self, pk: int):
        refund = self.visible_refunds().filter(pk=pk).first()
        if refund is None:
            raise exceptions.NotFound("No such refund.")
        return refund


class RefundListView(ClientRefunds, ClientView):
    serializer_class = RefundSerializer
    pagination_class = RefundsNewestFirst

    def get_queryset(self):
        return self.visible_refunds()

    @extend_schema(operation_id="refunds_list", summary="The client's refunds, newest first",
                   responses={200: RefundSerializer(many=True), **examples.READ_ERRORS, 400: examples.ERRORS[400]},
                   examples=[examples.REFUND_RESPONSE])
    def get(self, request):
        page = self.paginate_queryset(self.get_queryset())
        return self.get_paginated_response(RefundSerializer(page, many=True).data)


class RefundDetailView(ClientRefunds, ClientView):
    serializer_class = RefundSerializer

    @extend_schema(operation_id="refunds_retrieve", summary="A refund",
                   responses={200: RefundSerializer, **examples.READ_ERRORS}, examples=[examples.REFUND_RESPONSE])
    def get(self, request, pk: int):
        return Response(RefundSerializer(self.refund_or_404(pk)).data)


class RefundConfirmView(ClientRefunds, ClientWriteView):
    serializer_class = ConfirmSerializer

    @extend_schema(operation_id="refunds_confirm", summary="Confirm a refund or exchange done on your side",
                   request=ConfirmSerializer, responses={200: RefundSerializer, **examples.ERRORS},
                   examples=[examples.CONFIRM_REQUEST, examples.CONFIRM_EXCHANGE_REQUEST, examples.REFUND_RESPONSE])
    def post(self, request, pk: int):
        asked = ConfirmSerializer(data=request.data)
        asked.is_valid(raise_exception=True)
        refund = self.refund_or_404(pk)
        data = asked.validated_data
        if "replacement_order_number" in data:
            confirm_exchange(
                refund=refund, actor=request.user, replacement_order_number=data["replacement_order_number"]
            )
        else:
            refund_services.complete_refund(refund=refund, actor=request.user, reference=data["reference"])
        return Response(RefundSerializer(self.refund_or_404(pk)).data)
