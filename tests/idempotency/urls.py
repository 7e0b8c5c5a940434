"""A tiny API view for the mixin's tests: each run makes a group with a fresh random suffix, so a second
run would answer different bytes and leave a second group behind."""

import secrets
import threading

from django.contrib.auth.models import Group
from django.urls import path
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from idempotency.views import IdempotentPostMixin

# Set by a test: the handler then signals `entered` and waits for `release` (a first request still running).
hold = {"entered": threading.Event(), "release": threading.Event(), "active": False}
# How many of the next requests fail with an unexpected error after making their group.
failures = {"to_come": 0}


class Groups(IdempotentPostMixin, APIView):
    permission_classes = [IsAuthenticated]

    def post(self, request):
        name = request.data.get("name")
        if not isinstance(name, str) or not name:
            return Response({"code": "invalid", "message": "Name it.", "fields": {"name": ["Required."]}}, status=400)
        group = Group.objects.create(name=f"{name} {secrets.token_hex(4)}")
        if hold["active"]:
            hold["entered"].set()
            hold["release"].wait(timeout=20)
        if failures["to_come"]:
            failures["to_come"] -= 1
            raise RuntimeError("the handler broke")
        return Response({"id": group.pk, "name": group.name}, status=201, headers={"Location": f"/groups/{group.pk}/"})


urlpatterns = [path("groups/", Groups.as_view())]
