"""Customer service (and managers) record that a customer was told why their return closed without refund."""

from django.contrib.auth.management import create_permissions
from django.db import migrations

GROUPS = ["customer_service", "manager"]


def grant(apps, schema_editor):
    app_config = apps.get_app_config("rma")
    app_config.models_module = True
    create_permissions(app_config, apps=apps, verbosity=0)
    app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    permission = Permission.objects.get(content_type__app_label="rma", codename="notify_customer")
    for group in Group.objects.filter(name__in=GROUPS):
        group.permissions.add(permission)


def revoke(apps, schema_editor):
    Permission = apps.get_model("auth", "Permission")
    Permission.objects.filter(content_type__app_label="rma", codename="notify_customer").delete()


class Migration(migrations.Migration):
    dependencies = [
        ("backoffice", "0008_warehouse_permissions"),
        ("rma", "0009_receipt_attached_and_customer_notified"),
    ]

    operations = [migrations.RunPython(grant, revoke)]
