"""Production settings (DJANGO_ENV=production), read in a fresh process as a deployment reads them."""

import json
import os
import secrets
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
# Whatever the test run itself was given, each process here starts from these alone; the browser tests'
# DJANGO_ALLOW_ASYNC_UNSAFE (tests.conftest) is no deployment's and fails check --deploy.
PRODUCTION_ENV = {
    "DJANGO_ENV": "production",
    "SECRET_KEY": secrets.token_urlsafe(50),
    "ALLOWED_HOSTS": "returns.example.com",
    "DATABASE_URL": "postgres://returns:secret@db.example.com:5432/returns",
}
DROPPED = {*PRODUCTION_ENV, "DEBUG", "SECURE_PROXY_SSL_HEADER", "TRUSTED_PROXY_COUNT", "REDIS_URL",
           "DJANGO_ALLOW_ASYNC_UNSAFE"}


def run(*command: str, **env: str | None) -> subprocess.CompletedProcess:
    """Python in a process of its own, with PRODUCTION_ENV changed by `env` (None drops a variable)."""
    environment = {name: value for name, value in os.environ.items() if name not in DROPPED}
    environment.update(PRODUCTION_ENV)
    environment.update(env)
    environment = {name: value for name, value in environment.items() if value is not None}
    return subprocess.run([sys.executable, *command], cwd=ROOT, env=environment,
                          capture_output=True, text=True, timeout=120)


def manage(*args: str, **env: str | None) -> subprocess.CompletedProcess:
    return run("manage.py", *args, **env)


def read_settings(**env: str | None) -> subprocess.CompletedProcess:
    """The settings module alone, as every process (web, worker, command) reads it first: quicker than manage.py."""
    script = ("import json, returns_site.settings as s; "
              "print(json.dumps({name: value for name, value in vars(s).items() if name.isupper()}, default=str))")
    return run("-c", script, **env)


def production_settings(**env: str | None) -> dict:
    settings = read_settings(**env)
    assert settings.returncode == 0, settings.stderr
    return json.loads(settings.stdout)


def test_the_three_required_variables_pass_the_deploy_check_with_no_warning():
    checked = manage("check", "--deploy", "--fail-level", "WARNING")

    assert checked.returncode == 0, checked.stdout + checked.stderr


def test_without_the_required_variables_production_refuses_to_start_and_says_how_to_set_them():
    refused = manage("check", SECRET_KEY=None, ALLOWED_HOSTS=None, DATABASE_URL=None)

    assert refused.returncode != 0
    assert "DJANGO_ENV=production needs these environment variables: SECRET_KEY (a long random string" \
        in refused.stderr
    assert "ALLOWED_HOSTS (the host names" in refused.stderr
    assert "DATABASE_URL (the PostgreSQL database" in refused.stderr
    assert "See docs/production.md." in refused.stderr


@pytest.mark.parametrize("missing", ["SECRET_KEY", "ALLOWED_HOSTS", "DATABASE_URL"])
@pytest.mark.parametrize("unset", [None, "  "], ids=["unset", "blank"])
def test_each_required_variable_is_required_on_its_own(missing, unset):
    refused = read_settings(**{missing: unset})

    assert refused.returncode != 0
    assert f"ImproperlyConfigured: DJANGO_ENV=production needs these environment variables: {missing} (" \
        in refused.stderr


def test_a_weak_key_fails_the_deploy_check():
    checked = manage("check", "--deploy", "--fail-level", "WARNING", SECRET_KEY="changeme")

    assert checked.returncode != 0 and "security.W009" in checked.stdout + checked.stderr


def test_the_local_fallback_key_is_flagged_by_the_deploy_check_outside_production():
    checked = manage("check", "--deploy", DJANGO_ENV=None, SECRET_KEY=None)

    assert "security.W009" in checked.stdout + checked.stderr


def test_debug_stays_off_in_production_even_when_asked_for():
    assert production_settings(DEBUG="true")["DEBUG"] is False


def test_production_sends_https_only_cookies_for_this_host_and_hsts():
    chosen = production_settings(SECURE_PROXY_SSL_HEADER="HTTP_X_FORWARDED_PROTO,https")

    assert chosen["STORAGES"]["staticfiles"]["BACKEND"] == "whitenoise.storage.CompressedManifestStaticFilesStorage"
    assert {name: chosen.get(name, "(Django's default)") for name in [
        "SESSION_COOKIE_NAME", "CSRF_COOKIE_NAME", "SESSION_COOKIE_SECURE", "CSRF_COOKIE_SECURE",
        "SECURE_SSL_REDIRECT", "SECURE_HSTS_SECONDS", "SECURE_HSTS_INCLUDE_SUBDOMAINS", "SECURE_PROXY_SSL_HEADER",
        "SESSION_COOKIE_AGE", "SESSION_COOKIE_DOMAIN",
    ]} == {
        "SESSION_COOKIE_NAME": "__Host-sessionid", "CSRF_COOKIE_NAME": "__Host-csrftoken",
        "SESSION_COOKIE_SECURE": True, "CSRF_COOKIE_SECURE": True,
        "SECURE_SSL_REDIRECT": True, "SECURE_HSTS_SECONDS": 31536000, "SECURE_HSTS_INCLUDE_SUBDOMAINS": True,
        "SECURE_PROXY_SSL_HEADER": ["HTTP_X_FORWARDED_PROTO", "https"], "SESSION_COOKIE_AGE": 12 * 60 * 60,
        # __Host- cookies carry no Domain; Django's defaults already give Path=/, HttpOnly and SameSite=Lax.
        "SESSION_COOKIE_DOMAIN": "(Django's default)",
    }


def test_outside_production_the_usual_cookie_names_and_no_https_redirect():
    chosen = production_settings(DJANGO_ENV=None)

    assert "SESSION_COOKIE_NAME" not in chosen and "SECURE_SSL_REDIRECT" not in chosen


def test_a_malformed_proxy_header_setting_is_refused_with_its_expected_form():
    refused = read_settings(SECURE_PROXY_SSL_HEADER="X-Forwarded-Proto")

    assert refused.returncode != 0 and 'SECURE_PROXY_SSL_HEADER is "HTTP_<HEADER>,<value>"' in refused.stderr


def test_seed_demo_refuses_to_run_in_production():
    refused = manage("seed_demo")

    assert refused.returncode != 0
    assert "seed_demo refuses to run with DJANGO_ENV=production" in refused.stderr


def test_with_redis_url_the_cache_every_web_process_shares_is_redis():
    chosen = production_settings(REDIS_URL="redis://redis.example.com:6379/0")

    assert chosen["CACHES"]["default"] == {
        "BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": "redis://redis.example.com:6379/0",
    }
    assert chosen["CELERY_BROKER_URL"] == "redis://redis.example.com:6379/0"
