from django.urls import path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from api.views import orders

app_name = "api"

urlpatterns = [
    path("schema/", SpectacularAPIView.as_view(), name="schema"),
    path("docs/", SpectacularSwaggerSplitView.as_view(url_name="api:schema"), name="docs"),
    path("v1/orders/", orders.OrderCreateView.as_view(), name="order-create"),
    path("v1/orders/<str:number>/", orders.OrderDetailView.as_view(), name="order-detail"),
]
