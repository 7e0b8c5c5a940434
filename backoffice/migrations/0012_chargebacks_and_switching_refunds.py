"""Managers mark orders as charged back; customer service and managers switch a refund to store credit."""

from django.contrib.auth.management import create_permissions
from django.db import migrations

GRANTS = {
    ("rma", "mark_charged_back"): ["manager"],
    ("refunds", "switch_refund_method"): ["customer_service", "manager"],
}


def grant(apps, schema_editor):
    for app_label in {app_label for app_label, _ in GRANTS}:
        app_config = apps.get_app_config(app_label)
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
        ("backoffice", "0011_second_approval_permission"),
        ("rma", "0011_refund_requests_and_chargebacks"),
        ("refunds", "0004_refund_requests_and_approvals"),
    ]

    operations = [migrations.RunPython(grant, revoke)]
