"""Static files are served by the application itself (whitenoise) with DEBUG off: the admin's CSS is
no 404 outside a development server."""

import re

import pytest
from django.core.management import call_command
from django.test import Client

PRODUCTION_STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}


def test_with_debug_off_the_admins_css_is_served(settings):
    settings.DEBUG = False

    response = Client().get("/static/admin/css/base.css")

    assert response.status_code == 200 and response["Content-Type"].startswith("text/css")
    assert b"".join(response.streaming_content).strip()


@pytest.mark.django_db
def test_in_production_collectstatic_output_is_served_with_hashed_names_compressed_and_cached(settings, tmp_path):
    # As production runs: STORAGES and whitenoise's reading of STATIC_ROOT only (DJANGO_ENV=production).
    settings.DEBUG = False
    settings.STORAGES = PRODUCTION_STORAGES
    settings.STATIC_ROOT = tmp_path / "static"
    settings.WHITENOISE_USE_FINDERS = settings.WHITENOISE_AUTOREFRESH = False
    # The API docs' and the browsable API's files are most of the copying, and the login page needs none.
    call_command("collectstatic", interactive=False, verbosity=0,
                 ignore_patterns=["drf_spectacular_sidecar", "rest_framework"])
    browser = Client()

    login_page = browser.get("/admin/login/").content.decode()
    css = re.search(r'href="(/static/admin/css/base\.[0-9a-f]{12}\.css)"', login_page).group(1)
    response = browser.get(css, HTTP_ACCEPT_ENCODING="gzip")

    assert response.status_code == 200 and response["Content-Type"].startswith("text/css")
    assert response["Content-Encoding"] == "gzip"
    assert "immutable" in response["Cache-Control"]
