"""Refund.status moves through a protected state machine; store-credit corrections need their own permission."""

import django_fsm
from django.db import migrations


class Migration(migrations.Migration):

    dependencies = [
        ('refunds', '0001_initial'),
    ]

    operations = [
        migrations.AlterModelOptions(
            name='storecreditentry',
            options={'ordering': ['at', 'id'], 'permissions': [('adjust_store_credit', 'Adjust store-credit balances')], 'verbose_name_plural': 'store credit entries'},
        ),
        migrations.AlterField(
            model_name='refund',
            name='status',
            field=django_fsm.FSMField(choices=[('pending_approval', 'Pending Approval'), ('approved', 'Approved'), ('issued', 'Issued'), ('denied', 'Denied'), ('failed', 'Failed')], default='pending_approval', max_length=20, protected=True),
        ),
    ]
