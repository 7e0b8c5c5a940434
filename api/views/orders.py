"""POST /api/v1/orders/ and GET /api/v1/orders/{number}/."""

from drf_spectacular.utils import extend_schema
from rest_framework import status
from rest_framework.response import Response

from api import examples
from api.base import ClientView, ClientWriteView
from api.orders import order_for
from api.serializers.orders import OrderCreateSerializer, OrderSerializer
from rma import services


class OrderCreateView(ClientWriteView):
    serializer_class = OrderCreateSerializer

    @extend_schema(
        operation_id="orders_create", request=OrderCreateSerializer,
        responses={201: OrderSerializer, **examples.ERRORS},
        examples=[examples.ORDER_REQUEST, examples.ORDER_RESPONSE], summary="Create an order",
    )
    def post(self, request):
        entered = self.get_serializer(data=request.data)
        entered.is_valid(raise_exception=True)
        order = services.create_order(client=self.client, actor=request.user, **entered.validated_data)
        return Response(OrderSerializer(order).data, status=status.HTTP_201_CREATED)


class OrderDetailView(ClientView):
    serializer_class = OrderSerializer

    @extend_schema(
        operation_id="orders_retrieve", responses={200: OrderSerializer, **examples.ERRORS},
        examples=[examples.ORDER_RESPONSE], summary="An order with its lines",
    )
    def get(self, request, number: str):
        return Response(OrderSerializer(order_for(self.client, number, request.user)).data)
