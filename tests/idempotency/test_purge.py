"""Idempotency keys are kept at least a day (48 hours by default), then purged by cron or Celery beat."""

import datetime as dt

import pytest
from django.conf import settings as project_settings
from django.contrib.auth.models import User
from django.core.exceptions import ImproperlyConfigured
from django.core.management import call_command
from django.utils import timezone

from idempotency import services
from idempotency.models import IdempotencyKey
from idempotency.services import Fingerprint

REQUEST = Fingerprint.of(method="POST", path="/api/v1/orders/", body=b"{}")


def key_claimed(account: User, key: str, *, hours_ago: float) -> None:
    services.claim_key(account=account, key=key, request=REQUEST, now=timezone.now() - dt.timedelta(hours=hours_ago))


@pytest.fixture
def account(db) -> User:
    return User.objects.create_user("shop-a")


def test_the_command_purges_keys_older_than_48_hours_and_keeps_the_rest(account, capsys):
    key_claimed(account, "old", hours_ago=49)
    key_claimed(account, "recent", hours_ago=47)
    call_command("purge_idempotency_keys")
    assert capsys.readouterr().out.strip() == "1 idempotency key purged."
    assert list(IdempotencyKey.objects.values_list("key", flat=True)) == ["recent"]


def test_the_time_kept_is_a_setting_but_never_under_a_day(account, settings):
    settings.IDEMPOTENCY_KEYS_KEPT_HOURS = 30
    key_claimed(account, "old", hours_ago=31)
    key_claimed(account, "recent", hours_ago=29)
    assert services.purge_expired_keys() == 1
    settings.IDEMPOTENCY_KEYS_KEPT_HOURS = 12
    with pytest.raises(ImproperlyConfigured):
        services.purge_expired_keys()
    assert IdempotencyKey.objects.count() == 1


def test_celery_beat_purges_every_hour():
    entry = project_settings.CELERY_BEAT_SCHEDULE["purge-idempotency-keys"]
    assert entry == {"task": "idempotency.tasks.purge_idempotency_keys", "schedule": 3600.0}


def test_the_beat_task_purges(account):
    from idempotency.tasks import purge_idempotency_keys

    key_claimed(account, "old", hours_ago=72)
    purge_idempotency_keys.delay()
    assert not IdempotencyKey.objects.exists()
