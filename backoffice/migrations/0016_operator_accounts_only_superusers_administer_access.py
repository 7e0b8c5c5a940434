"""Only superusers administer access: no group keeps a permission to add, change or delete users,
groups or permissions (the manager group held auth.add_user, auth.change_user and auth.change_group,
enough to make itself superuser). Managers keep seeing users and groups, and create and deactivate
operator accounts through backoffice.services, with the operator groups only.
"""

import django.contrib.auth.models
import django.db.models.deletion
from django.conf import settings
from django.contrib.auth.management import create_permissions
from django.db import migrations, models

ADMINISTER_ACCESS = [f"{verb}_{model}" for verb in ("add", "change", "delete") for model in ("user", "group", "permission")]
MANAGER_GRANTS = ["add_operatoraccount", "change_operatoraccount", "view_operatoraccount", "view_accesschange"]


def only_superusers_administer_access(apps, schema_editor):
    app_config = apps.get_app_config("backoffice")
    app_config.models_module = True
    create_permissions(app_config, apps=apps, verbosity=0)
    app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for permission in Permission.objects.filter(content_type__app_label="auth", codename__in=ADMINISTER_ACCESS):
        permission.group_set.clear()
    manager = Group.objects.filter(name="manager").first()
    if manager is not None:
        manager.permissions.add(
            *Permission.objects.filter(content_type__app_label="backoffice", codename__in=MANAGER_GRANTS)
        )


def revoke_operator_accounts(apps, schema_editor):
    # Going back does not give the groups their way to administer access again.
    Permission = apps.get_model("auth", "Permission")
    for permission in Permission.objects.filter(content_type__app_label="backoffice", codename__in=MANAGER_GRANTS):
        permission.group_set.clear()


class Migration(migrations.Migration):
    dependencies = [
        ("auth", "0012_alter_user_first_name_max_length"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
        ("backoffice", "0015_gift_card_permissions"),
    ]

    operations = [
        migrations.CreateModel(
            name="OperatorAccount",
            fields=[],
            options={"verbose_name": "operator account", "proxy": True, "indexes": [], "constraints": []},
            bases=("auth.user",),
            managers=[("objects", django.contrib.auth.models.UserManager())],
        ),
        migrations.CreateModel(
            name="AccessChange",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("at", models.DateTimeField(auto_now_add=True)),
                ("kind", models.CharField(choices=[("created", "created"), ("groups_changed", "groups changed"),
                                                   ("deactivated", "deactivated"), ("reactivated", "reactivated")],
                                          max_length=20)),
                ("groups", models.JSONField(default=list)),
                ("account", models.ForeignKey(on_delete=django.db.models.deletion.PROTECT,
                                              related_name="access_changes", to=settings.AUTH_USER_MODEL)),
                ("actor", models.ForeignKey(on_delete=django.db.models.deletion.PROTECT,
                                            related_name="access_changes_made", to=settings.AUTH_USER_MODEL)),
            ],
            options={"ordering": ["-at", "-pk"]},
        ),
        migrations.RunPython(only_superusers_administer_access, revoke_operator_accounts),
    ]
