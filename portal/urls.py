from django.urls import path

from portal import views

app_name = "portal"

urlpatterns = [
    path("<slug:client_code>/", views.start, name="start"),
    path("<slug:client_code>/order/", views.order, name="order"),
    path("<slug:client_code>/status/", views.status, name="status"),
    path("<slug:client_code>/returns/<int:pk>/", views.return_page, name="return"),
    path("<slug:client_code>/returns/<int:pk>/cancel/", views.cancel, name="cancel"),
    path("<slug:client_code>/language/", views.choose_language, name="language"),
]
