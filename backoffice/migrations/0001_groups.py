"""The staff groups and the permissions each holds (DESIGN.md, "Who uses it, and who may do what").

Services check these permissions themselves, so every screen, the API and the portal are safe
by construction. Later migrations adjust the groups as new screens arrive.
"""

from django.contrib.auth.management import create_permissions
from django.db import migrations

RETURNS_READ = [
    "rma.view_client", "rma.view_warehouse", "rma.view_returnpolicy", "rma.view_customer",
    "rma.view_order", "rma.view_orderline", "rma.view_returnrequest", "rma.view_returnitem",
    "rma.view_returnevent",
]

GROUPS = {
    "customer_service": RETURNS_READ + [
        "rma.create_return", "rma.authorize_return", "rma.reject_return", "rma.cancel_return",
        "rma.set_tracking", "rma.resolve_unexpected_parcel", "rma.change_customer",
        "rma.change_returnrequest", "rma.view_receivingscan", "rma.view_unexpectedparcel",
        "rma.change_unexpectedparcel", "inspection.view_inspection", "inspection.view_inspectionphoto",
        "disposition.view_disposition", "refunds.view_refund",
    ],
    "dock": [
        "rma.receive_return", "rma.view_client", "rma.view_warehouse", "rma.view_returnrequest",
        "rma.view_returnitem", "rma.view_receivingscan", "rma.view_unexpectedparcel",
        "rma.change_unexpectedparcel",
    ],
    "inspector": RETURNS_READ + [
        "inspection.record_inspection", "inspection.view_inspection", "inspection.add_inspectionphoto",
        "inspection.view_inspectionphoto", "disposition.confirm_disposition", "disposition.view_disposition",
        "disposition.view_dispositionrule",
    ],
    "finance": RETURNS_READ + [
        "refunds.propose_refund", "refunds.approve_refund", "refunds.deny_refund", "refunds.issue_refund",
        "refunds.view_refund", "refunds.view_refundapproval", "refunds.view_storecreditentry",
        "inspection.view_inspection", "inspection.view_inspectionphoto", "disposition.view_disposition",
    ],
    "client_api": [
        "rma.create_return", "rma.cancel_return", "rma.set_tracking", "rma.view_returnrequest",
        "rma.view_order", "rma.view_customer",
    ],
}
MANAGER_EXTRAS = [
    "rma.override_policy", "rma.receive_expired",
    "rma.add_client", "rma.change_client", "rma.add_warehouse", "rma.change_warehouse",
    "rma.add_returnpolicy", "rma.add_clientaccount", "rma.change_clientaccount", "rma.view_clientaccount",
    "rma.add_order", "rma.change_order", "rma.add_orderline", "rma.change_orderline", "rma.add_customer",
    "disposition.add_dispositionrule", "disposition.change_dispositionrule", "disposition.delete_dispositionrule",
    "disposition.view_stockmovement",
    "auth.view_user", "auth.add_user", "auth.change_user", "auth.view_group", "auth.change_group",
]
STAFF_GROUPS = ["customer_service", "dock", "inspector", "finance"]


def _permissions(apps, names):
    Permission = apps.get_model("auth", "Permission")
    found = []
    for name in names:
        app_label, codename = name.split(".")
        found.append(Permission.objects.get(content_type__app_label=app_label, codename=codename))
    return found


def create_groups(apps, schema_editor):
    # Permissions are normally created after migrations; these groups need them now.
    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    manager_permissions = set(MANAGER_EXTRAS)
    for name, permissions in GROUPS.items():
        group, _ = Group.objects.get_or_create(name=name)
        group.permissions.set(_permissions(apps, permissions))
        if name in STAFF_GROUPS:
            manager_permissions.update(permissions)
    manager, _ = Group.objects.get_or_create(name="manager")
    manager.permissions.set(_permissions(apps, sorted(manager_permissions)))


def remove_groups(apps, schema_editor):
    apps.get_model("auth", "Group").objects.filter(name__in=[*GROUPS, "manager"]).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
        ("rma", "0001_initial"),
        ("inspection", "0001_initial"),
        ("disposition", "0001_initial"),
        ("refunds", "0001_initial"),
    ]

    operations = [migrations.RunPython(create_groups, remove_groups)]
