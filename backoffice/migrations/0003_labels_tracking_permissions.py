"""Who prints labels and imports carrier tracking (issue: labels and dock receiving)."""

from django.contrib.auth.management import create_permissions
from django.db import migrations

GRANTS = {
    "print_label": ["customer_service", "dock", "manager"],
    "import_tracking": ["customer_service", "manager"],
    "view_carrierevent": ["customer_service", "dock", "manager"],
    "view_extraunit": ["customer_service", "dock", "inspector", "manager"],
    "change_extraunit": ["customer_service", "manager"],
}


def grant(apps, schema_editor):
    app_config = apps.get_app_config("rma")
    app_config.models_module = True
    create_permissions(app_config, apps=apps, verbosity=0)
    app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for codename, groups in GRANTS.items():
        permission = Permission.objects.get(content_type__app_label="rma", codename=codename)
        for group in Group.objects.filter(name__in=groups):
            group.permissions.add(permission)


def revoke(apps, schema_editor):
    Permission = apps.get_model("auth", "Permission")
    for permission in Permission.objects.filter(content_type__app_label="rma", codename__in=GRANTS):
        permission.group_set.clear()


class Migration(migrations.Migration):
    dependencies = [
        ("backoffice", "0002_inspector_menus"),
        ("rma", "0003_carrier_events_extra_units_labels"),
    ]

    operations = [migrations.RunPython(grant, revoke)]
