"""Finance and managers see gift cards and store-credit accounts, and redeem gift cards (client accounts
redeem too, by core.actors.CLIENT_PERMISSIONS)."""

from django.contrib.auth.management import create_permissions
from django.db import migrations

CODENAMES = ["redeem_gift_card", "view_giftcard", "view_giftcardentry", "view_storecreditaccount"]
GROUPS = ["finance", "manager"]


def grant(apps, schema_editor):
    app_config = apps.get_app_config("refunds")
    app_config.models_module = True
    create_permissions(app_config, apps=apps, verbosity=0)
    app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    permissions = Permission.objects.filter(content_type__app_label="refunds", codename__in=CODENAMES)
    for group in Group.objects.filter(name__in=GROUPS):
        group.permissions.add(*permissions)


def revoke(apps, schema_editor):
    Permission = apps.get_model("auth", "Permission")
    for permission in Permission.objects.filter(content_type__app_label="refunds", codename__in=CODENAMES):
        permission.group_set.clear()


class Migration(migrations.Migration):
    dependencies = [
        ("backoffice", "0014_correct_refund_permission"),
        ("refunds", "0007_gift_cards_and_credit_accounts"),
    ]

    operations = [migrations.RunPython(grant, revoke)]
