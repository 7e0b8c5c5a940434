"""Warehouse routes and staff assignments are configuration: managers add and change them, the floor sees them."""

from django.contrib.auth.management import create_permissions
from django.db import migrations

MODELS = ["warehouseroute", "warehouseassignment"]
GRANTS = {
    "manager": ["add", "change", "view"],
    "customer_service": ["view"],
    "dock": ["view"],
    "inspector": ["view"],
    "finance": ["view"],
}


def grant(apps, schema_editor):
    app_config = apps.get_app_config("rma")
    app_config.models_module = True
    create_permissions(app_config, apps=apps, verbosity=0)
    app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for group in Group.objects.filter(name__in=GRANTS):
        codenames = [f"{verb}_{model}" for verb in GRANTS[group.name] for model in MODELS]
        group.permissions.add(*Permission.objects.filter(content_type__app_label="rma", codename__in=codenames))


def revoke(apps, schema_editor):
    Permission = apps.get_model("auth", "Permission")
    for permission in Permission.objects.filter(content_type__app_label="rma", content_type__model__in=MODELS):
        permission.group_set.clear()


class Migration(migrations.Migration):
    dependencies = [
        ("backoffice", "0007_notes_and_store_credit_adjustments"),
        ("rma", "0006_warehouse_dimension"),
    ]

    operations = [migrations.RunPython(grant, revoke)]
