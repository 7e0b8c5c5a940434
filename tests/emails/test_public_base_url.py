"""PUBLIC_BASE_URL: where the customers' links point, set in the environment or taken from ALLOWED_HOSTS."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def public_base_url(**env: str) -> str:
    environment = {key: value for key, value in os.environ.items() if key not in {"PUBLIC_BASE_URL", "ALLOWED_HOSTS"}}
    script = "from django.conf import settings; print(settings.PUBLIC_BASE_URL)"
    return subprocess.run(
        [sys.executable, "-c", f"import django; django.setup(); {script}"], cwd=ROOT, check=True, text=True,
        capture_output=True, env={**environment, "DJANGO_SETTINGS_MODULE": "returns_site.settings", **env},
    ).stdout.strip()


@pytest.mark.parametrize(("env", "url"), [
    ({"PUBLIC_BASE_URL": "https://returns.example.com/"}, "https://returns.example.com"),
    ({"ALLOWED_HOSTS": "returns.example.com,intranet.local"}, "https://returns.example.com"),
    ({"ALLOWED_HOSTS": "*,.example.com,shop.example.com"}, "https://shop.example.com"),
    ({}, "https://localhost"),
])
def test_the_public_address_is_configured_or_the_first_allowed_host(env, url):
    assert public_base_url(**env) == url
