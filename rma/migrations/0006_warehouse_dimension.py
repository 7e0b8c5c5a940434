"""The warehouse as a dimension: each return is routed to a warehouse when it is authorized (by the
client's route for the country it ships from, else the client's default), dock scans and unexpected
parcels record the site where they were scanned, and staff are assigned to a site.

Returns authorized before this migration were all sent to their client's default warehouse.
"""

import django.core.validators
import django.db.models.deletion
import django.db.models.functions.text
from django.conf import settings
from django.db import migrations, models
from django.db.models import OuterRef, Q, Subquery

# The states a return may be in without ever having been authorized (rma.states.MAY_BE_UNROUTED).
MAY_BE_UNROUTED = ["cancelled", "rejected", "requested"]


def route_authorized_returns_to_their_clients_default(apps, schema_editor):
    Client = apps.get_model("rma", "Client")
    ReturnRequest = apps.get_model("rma", "ReturnRequest")
    default = Client.objects.filter(pk=OuterRef("client_id")).values("default_warehouse_id")[:1]
    was_authorized = Q(authorized_at__isnull=False) | ~Q(state__in=MAY_BE_UNROUTED)
    ReturnRequest.objects.filter(was_authorized, warehouse__isnull=True).update(warehouse_id=Subquery(default))


class Migration(migrations.Migration):

    dependencies = [
        ("rma", "0005_order_corrections_and_notes"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name="WarehouseRoute",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("created_at", models.DateTimeField(auto_now_add=True)),
                ("updated_at", models.DateTimeField(auto_now=True)),
                ("country", models.CharField(help_text="Where the parcel is shipped from (the customer's country): ISO 3166 code, e.g. AT", max_length=2, validators=[django.core.validators.RegexValidator("^[A-Z]{2}$", "Give the two-letter ISO 3166 code, e.g. AT.")])),
                ("client", models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name="warehouse_routes", to="rma.client")),
                ("warehouse", models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name="routes", to="rma.warehouse")),
            ],
            options={
                "ordering": ["client", "country"],
                "constraints": [
                    models.UniqueConstraint(fields=("client", "country"), name="warehouse_route_one_per_country"),
                    models.CheckConstraint(condition=models.Q(("country", django.db.models.functions.text.Upper("country"))), name="warehouse_route_country_upper_case"),
                ],
            },
        ),
        migrations.CreateModel(
            name="WarehouseAssignment",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("created_at", models.DateTimeField(auto_now_add=True)),
                ("updated_at", models.DateTimeField(auto_now=True)),
                ("user", models.OneToOneField(limit_choices_to={"client_account__isnull": True, "is_staff": True}, on_delete=django.db.models.deletion.CASCADE, related_name="warehouse_assignment", to=settings.AUTH_USER_MODEL)),
                ("warehouse", models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name="assignments", to="rma.warehouse")),
            ],
            options={
                "ordering": ["warehouse", "user"],
            },
        ),
        migrations.AddField(
            model_name="returnrequest",
            name="warehouse",
            field=models.ForeignKey(blank=True, help_text="Where the parcel is sent: chosen when the return is authorized.", null=True, on_delete=django.db.models.deletion.PROTECT, related_name="returns", to="rma.warehouse"),
        ),
        migrations.RunPython(route_authorized_returns_to_their_clients_default, migrations.RunPython.noop),
        migrations.AddConstraint(
            model_name="returnrequest",
            constraint=models.CheckConstraint(condition=models.Q(("warehouse__isnull", False), ("state__in", ["cancelled", "rejected", "requested"]), _connector="OR"), name="return_routed_once_authorized"),
        ),
        migrations.AddField(
            model_name="receivingscan",
            name="warehouse",
            field=models.ForeignKey(blank=True, help_text="The site where the parcel was scanned; empty when the dock user has no site.", null=True, on_delete=django.db.models.deletion.PROTECT, related_name="scans", to="rma.warehouse"),
        ),
        migrations.AddField(
            model_name="receivingscan",
            name="wrong_site",
            field=models.BooleanField(default=False, help_text="The parcel was routed to another site: received here, to be forwarded there."),
        ),
        migrations.AddField(
            model_name="unexpectedparcel",
            name="warehouse",
            field=models.ForeignKey(blank=True, help_text="The site holding the parcel: where it was scanned.", null=True, on_delete=django.db.models.deletion.PROTECT, related_name="unexpected_parcels", to="rma.warehouse"),
        ),
    ]
