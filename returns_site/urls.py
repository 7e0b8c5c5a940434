from django.conf import settings
from django.contrib import admin
from django.urls import include, path

from returns_site.media import serve_media
from rma.views import customer_label

admin.site.site_header = "Returns back office"
admin.site.site_title = "Returns back office"
admin.site.index_title = "Returns floor"

urlpatterns = [
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
