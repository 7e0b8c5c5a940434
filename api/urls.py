from django.urls import path, re_path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from api.errors import not_found
from api.views import events, orders, refunds, returns

app_name = "api"

urlpatterns = [
    path("schema/", SpectacularAPIView.as_view(), name="schema"),
    path("docs/", SpectacularSwaggerSplitView.as_view(url_name="api:schema"), name="docs"),
    path("v1/orders/", orders.OrderCreateView.as_view(), name="order-create"),
    path("v1/orders/<str:number>/", orders.OrderDetailView.as_view(), name="order-detail"),
    path("v1/returns/", returns.ReturnListCreateView.as_view(), name="return-list"),
    path("v1/returns/<int:pk>/", returns.ReturnDetailView.as_view(), name="return-detail"),
    path("v1/returns/<int:pk>/cancel/", returns.ReturnCancelView.as_view(), name="return-cancel"),
    path("v1/returns/<int:pk>/tracking/", returns.ReturnTrackingView.as_view(), name="return-tracking"),
    path("v1/returns/<int:pk>/label/", returns.ReturnLabelView.as_view(), name="return-label"),
    path("v1/refunds/", refunds.RefundListView.as_view(), name="refund-list"),
    path("v1/refunds/<int:pk>/", refunds.RefundDetailView.as_view(), name="refund-detail"),
    path("v1/refunds/<int:pk>/confirm/", refunds.RefundConfirmView.as_view(), name="refund-confirm"),
    path("v1/events/", events.EventFeedView.as_view(), name="events"),
    re_path(r"^v1/", not_found),
]
