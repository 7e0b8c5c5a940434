from django.conf import settings
from django.contrib import admin
from django.urls import include, path

from backoffice import password_reset
from returns_site.media import serve_media
from rma.views import customer_label

admin.site.site_header = "Returns back office"
admin.site.site_title = "Returns back office"
admin.site.index_title = "Returns floor"

urlpatterns = [
    # Staff reset a forgotten password by email (the admin's login links here); before the admin's own
    # addresses, whose catch-all would take them.
    path("admin/password_reset/", password_reset.RequestView.as_view(), name="admin_password_reset"),
    path("admin/password_reset/done/", password_reset.RequestedView.as_view(), name="password_reset_done"),
    path("admin/reset/<uidb64>/<token>/", password_reset.NewPasswordView.as_view(), name="password_reset_confirm"),
    path("admin/reset/done/", password_reset.DoneView.as_view(), name="password_reset_complete"),
    path("admin/", admin.site.urls),
    path("api/", include("api.urls")),
    # The merchant's console: a client's own staff read their returns, refunds and reports.
    path("console/", include("console.urls")),
    # The customer's label link: public, signed and expiring (rma.selectors.label_url_for).
    path("labels/<str:token>/", customer_label, name="customer_label"),
    # The customer return portal of each client (portal.urls).
    path("returns/", include("portal.urls")),
    # Uploaded files, for who may see them, in every mode (returns_site/media.py).
    path(f"{settings.MEDIA_URL.strip('/')}/<path:name>", serve_media, name="media"),
]

# A body too large to read is a 413, not the 400 Django gives it (returns_site/request_size.py).
handler400 = "returns_site.request_size.bad_request"
