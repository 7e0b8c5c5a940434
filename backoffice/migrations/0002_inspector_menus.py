"""Inspectors work from the return and the station: policies, customers and orders are not theirs."""

from django.db import migrations

REMOVED = ["view_returnpolicy", "view_customer", "view_order", "view_orderline"]


def trim_inspector(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    inspector = Group.objects.get(name="inspector")
    inspector.permissions.remove(*Permission.objects.filter(content_type__app_label="rma", codename__in=REMOVED))


def restore_inspector(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    inspector = Group.objects.get(name="inspector")
    inspector.permissions.add(*Permission.objects.filter(content_type__app_label="rma", codename__in=REMOVED))


class Migration(migrations.Migration):
    dependencies = [("backoffice", "0001_groups")]

    operations = [migrations.RunPython(trim_inspector, restore_inspector)]
