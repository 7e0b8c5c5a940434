"""Exports, imports and reports have their own permissions: managers hold all, finance exports too."""

from django.contrib.auth.management import create_permissions
from django.db import migrations

GRANTS = {
    "export_data": ["manager", "finance"],
    "view_exportjob": ["manager", "finance"],
    "import_orders": ["manager"],
    "view_reports": ["manager"],
}


def grant(apps, schema_editor):
    app_config = apps.get_app_config("reports")
    app_config.models_module = True
    create_permissions(app_config, apps=apps, verbosity=0)
    app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for codename, groups in GRANTS.items():
        permission = Permission.objects.get(content_type__app_label="reports", codename=codename)
        for group in Group.objects.filter(name__in=groups):
            group.permissions.add(permission)


def revoke(apps, schema_editor):
    Permission = apps.get_model("auth", "Permission")
    for permission in Permission.objects.filter(content_type__app_label="reports", codename__in=GRANTS):
        permission.group_set.clear()


class Migration(migrations.Migration):
    dependencies = [
        ("backoffice", "0004_extra_unit_recording"),
        ("reports", "0001_initial"),
    ]

    operations = [migrations.RunPython(grant, revoke)]
