"""Refunds above a policy's threshold need a second approval: managers give it."""

from django.contrib.auth.management import create_permissions
from django.db import migrations


def grant(apps, schema_editor):
    app_config = apps.get_app_config("refunds")
    app_config.models_module = True
    create_permissions(app_config, apps=apps, verbosity=0)
    app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    permission = Permission.objects.get(content_type__app_label="refunds", codename="second_approve_refund")
    for group in Group.objects.filter(name="manager"):
        group.permissions.add(permission)


def revoke(apps, schema_editor):
    Permission = apps.get_model("auth", "Permission")
    for permission in Permission.objects.filter(content_type__app_label="refunds", codename="second_approve_refund"):
        permission.group_set.clear()


class Migration(migrations.Migration):
    dependencies = [
        ("backoffice", "0010_outbox_permissions"),
        ("refunds", "0004_refund_requests_and_approvals"),
    ]

    operations = [migrations.RunPython(grant, revoke)]
