"""Corrections of order lines keep their history; notes on a return need their own permission."""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('rma', '0004_typed_event_stream'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AlterModelOptions(
            name='returnrequest',
            options={'ordering': ['-requested_at'], 'permissions': [('create_return', 'Create return requests'), ('authorize_return', 'Authorize return requests'), ('reject_return', 'Reject return requests'), ('cancel_return', 'Cancel returns'), ('set_tracking', 'Set carrier and tracking number'), ('receive_return', 'Scan parcels in at the dock'), ('override_policy', 'Authorize despite a failed policy rule'), ('receive_expired', 'Receive a parcel whose RAN has expired'), ('resolve_unexpected_parcel', 'Resolve unexpected parcels and extra units'), ('print_label', 'Print return labels'), ('import_tracking', 'Import carrier tracking events'), ('add_note', 'Write notes on returns')]},
        ),
        migrations.CreateModel(
            name='OrderCorrection',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('field', models.CharField(max_length=40)),
                ('old_value', models.TextField(blank=True)),
                ('new_value', models.TextField(blank=True)),
                ('reason', models.TextField()),
                ('corrected_at', models.DateTimeField()),
                ('corrected_by', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL)),
                ('line', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='corrections', to='rma.orderline')),
                ('order', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='corrections', to='rma.order')),
            ],
            options={
                'ordering': ['corrected_at', 'id'],
            },
        ),
    ]
