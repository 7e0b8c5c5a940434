"""Managers see console users' authenticator devices and delete one when its phone is lost (the user enrols again)."""

from django.contrib.auth.management import create_permissions
from django.db import migrations

CODENAMES = ["view_totpdevice", "delete_totpdevice"]


def grant(apps, schema_editor):
    app_config = apps.get_app_config("otp_totp")
    app_config.models_module = True
    create_permissions(app_config, apps=apps, verbosity=0)
    app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    permissions = Permission.objects.filter(content_type__app_label="otp_totp", codename__in=CODENAMES)
    for group in Group.objects.filter(name="manager"):
        group.permissions.add(*permissions)


def revoke(apps, schema_editor):
    Permission = apps.get_model("auth", "Permission")
    for permission in Permission.objects.filter(content_type__app_label="otp_totp", codename__in=CODENAMES):
        permission.group_set.clear()


class Migration(migrations.Migration):
    dependencies = [
        ("console", "0001_initial"),
        ("backoffice", "0001_groups"),
        ("otp_totp", "0003_add_timestamps"),
    ]

    operations = [migrations.RunPython(grant, revoke)]
