from django.urls import path

from portal import views

app_name = "portal"
urlpatterns = [
    path("", views.lookup, name="lookup"),
    path("order/", views.order_page, name="order"),
    path("status/", views.status, name="status"),
    path("status/find/", views.status_lookup, name="status_lookup"),
    path("status/cancel/", views.cancel, name="cancel"),
    path("language/", views.switch_language, name="language"),
]
