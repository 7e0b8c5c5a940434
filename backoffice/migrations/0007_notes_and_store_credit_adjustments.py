"""Who writes notes on returns (everyone who works on them but the dock) and who adjusts store credit (finance)."""

from django.contrib.auth.management import create_permissions
from django.db import migrations

GRANTS = {
    ("rma", "add_note"): ["customer_service", "inspector", "finance", "manager"],
    ("refunds", "adjust_store_credit"): ["finance", "manager"],
}


def grant(apps, schema_editor):
    # Permissions are normally created after migrations; these groups need them now.
    for label in {app_label for app_label, _ in GRANTS}:
        app_config = apps.get_app_config(label)
        app_config.models_module = True
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for (app_label, codename), groups in GRANTS.items():
        permission = Permission.objects.get(content_type__app_label=app_label, codename=codename)
        for group in Group.objects.filter(name__in=groups):
            group.permissions.add(permission)


def revoke(apps, schema_editor):
    Permission = apps.get_model("auth", "Permission")
    for app_label, codename in GRANTS:
        for permission in Permission.objects.filter(content_type__app_label=app_label, codename=codename):
            permission.group_set.clear()


class Migration(migrations.Migration):
    dependencies = [
        ("backoffice", "0006_download_any_export"),
        ("rma", "0005_order_corrections_and_notes"),
        ("refunds", "0002_refund_state_machine"),
    ]

    operations = [migrations.RunPython(grant, revoke)]
