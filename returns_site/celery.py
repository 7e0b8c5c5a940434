"""Celery for work that must not hold up a request (large exports, outbound messages).

The broker is Redis at REDIS_URL. With no REDIS_URL (the embedded default) tasks run in-process,
so a newcomer needs nothing but Python.
"""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "returns_site.settings")

app = Celery("returns_site")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
