"""Who records an extra unit found in a parcel: whoever opens parcels (the dock, inspectors, managers).

rma.services.record_extra_unit checks rma.add_extraunit; customer service resolves extra units
with rma.resolve_unexpected_parcel, as it resolves unexpected parcels.
"""

from django.db import migrations

RECORDERS = ["dock", "inspector", "manager"]


def _add_extraunit(apps):
    return apps.get_model("auth", "Permission").objects.get(content_type__app_label="rma", codename="add_extraunit")


def grant(apps, schema_editor):
    permission = _add_extraunit(apps)
    for group in apps.get_model("auth", "Group").objects.filter(name__in=RECORDERS):
        group.permissions.add(permission)


def revoke(apps, schema_editor):
    permission = _add_extraunit(apps)
    for group in apps.get_model("auth", "Group").objects.filter(name__in=RECORDERS):
        group.permissions.remove(permission)


class Migration(migrations.Migration):
    dependencies = [("backoffice", "0003_labels_tracking_permissions")]

    operations = [migrations.RunPython(grant, revoke)]
