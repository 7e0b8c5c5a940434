"""Managers issue and revoke the client accounts' API keys."""

from django.contrib.auth.management import create_permissions
from django.db import migrations

CODENAMES = ["add_apikey", "view_apikey", "revoke_apikey"]


def grant(apps, schema_editor):
    app_config = apps.get_app_config("api")
    app_config.models_module = True
    create_permissions(app_config, apps=apps, verbosity=0)
    app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    manager, _ = Group.objects.get_or_create(name="manager")
    manager.permissions.add(*Permission.objects.filter(content_type__app_label="api", codename__in=CODENAMES))


def revoke(apps, schema_editor):
    Permission = apps.get_model("auth", "Permission")
    for permission in Permission.objects.filter(content_type__app_label="api", codename__in=CODENAMES):
        permission.group_set.clear()


class Migration(migrations.Migration):
    dependencies = [
        ("api", "0001_initial"),
        ("backoffice", "0001_groups"),
    ]

    operations = [migrations.RunPython(grant, revoke)]
