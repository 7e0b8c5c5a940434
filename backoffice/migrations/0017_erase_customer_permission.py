"""Managers erase a customer's personal data on request (rma.services.erasure); nobody else does."""

from django.contrib.auth.management import create_permissions
from django.db import migrations

GROUPS = ["manager"]


def grant(apps, schema_editor):
    app_config = apps.get_app_config("rma")
    app_config.models_module = True
    create_permissions(app_config, apps=apps, verbosity=0)
    app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    permission = Permission.objects.get(content_type__app_label="rma", codename="erase_customer")
    for group in Group.objects.filter(name__in=GROUPS):
        group.permissions.add(permission)


def revoke(apps, schema_editor):
    Permission = apps.get_model("auth", "Permission")
    Permission.objects.filter(content_type__app_label="rma", codename="erase_customer").delete()


class Migration(migrations.Migration):
    dependencies = [
        ("backoffice", "0016_operator_accounts_only_superusers_administer_access"),
        ("rma", "0015_customer_erasure_and_purge"),
    ]

    operations = [migrations.RunPython(grant, revoke)]
