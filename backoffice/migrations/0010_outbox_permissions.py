"""The outbox: managers and finance see every message sent out and retry the failed ones."""

from django.contrib.auth.management import create_permissions
from django.db import migrations

CODENAMES = ["view_message", "retry_message"]
GROUPS = ["manager", "finance"]


def grant(apps, schema_editor):
    app_config = apps.get_app_config("outbox")
    app_config.models_module = True
    create_permissions(app_config, apps=apps, verbosity=0)
    app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    permissions = Permission.objects.filter(content_type__app_label="outbox", codename__in=CODENAMES)
    for group in Group.objects.filter(name__in=GROUPS):
        group.permissions.add(*permissions)


def revoke(apps, schema_editor):
    Permission = apps.get_model("auth", "Permission")
    for permission in Permission.objects.filter(content_type__app_label="outbox", codename__in=CODENAMES):
        permission.group_set.clear()


class Migration(migrations.Migration):
    dependencies = [
        ("backoffice", "0009_notify_customer_permission"),
        ("outbox", "0001_initial"),
    ]

    operations = [migrations.RunPython(grant, revoke)]
