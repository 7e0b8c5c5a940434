from django.urls import path

from console import views

app_name = "console"

urlpatterns = [
    path("login/", views.LoginView.as_view(), name="login"),
    path("two-factor/", views.two_factor_page, name="two_factor"),
    path("logout/", views.LogoutView.as_view(), name="logout"),
    path("", views.returns_page, name="returns"),
    path("returns/<int:pk>/", views.return_page, name="return"),
    path("refunds/", views.refunds_page, name="refunds"),
    path("refunds/<int:pk>/", views.refund_page, name="refund"),
    path("reports/", views.reports_page, name="reports"),
]
