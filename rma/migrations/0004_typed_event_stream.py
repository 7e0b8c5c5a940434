"""The typed event stream: who acted is a staff or client account, a customer by id, or a named job."""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


def name_every_actor(apps, schema_editor):
    """Earlier events named a portal customer by email and the system by no one; say who, as the new rows do."""
    ReturnEvent = apps.get_model("rma", "ReturnEvent")
    events = ReturnEvent.objects.all()
    for event in events.exclude(customer_email="").select_related("return_request"):
        ReturnEvent.objects.filter(pk=event.pk).update(customer_id=event.return_request.customer_id, channel="portal")
    events.filter(customer_id__isnull=True, actor__isnull=True).update(channel="system", system_job="before_actors")
    events.filter(channel__in=["phone", "email", "chat"]).update(channel="admin")


class Migration(migrations.Migration):

    dependencies = [
        ('rma', '0003_carrier_events_extra_units_labels'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AddField(
            model_name='returnevent',
            name='customer',
            field=models.ForeignKey(blank=True, help_text='The customer who acted on the portal.', null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to='rma.customer'),
        ),
        migrations.AddField(
            model_name='returnevent',
            name='system_job',
            field=models.CharField(blank=True, help_text='The job that acted, for system events.', max_length=60),
        ),
        migrations.RunPython(name_every_actor, migrations.RunPython.noop),
        migrations.RemoveField(
            model_name='returnevent',
            name='customer_email',
        ),
        migrations.AlterField(
            model_name='returnevent',
            name='action',
            field=models.CharField(choices=[('request', 'Requested'), ('authorize', 'Authorized'), ('reject', 'Rejected'), ('cancel', 'Cancelled'), ('expire', 'Expired'), ('ship', 'In transit'), ('receive', 'Received'), ('receive_expired', 'Received despite expiry'), ('inspect', 'Inspected'), ('disposition', 'Dispositioned'), ('refund', 'Refunded'), ('close_without_refund', 'Closed without refund'), ('authorization_refused', 'Authorization held'), ('set_tracking', 'Tracking set'), ('carrier_event', 'Carrier scan'), ('note_added', 'Note added'), ('inspect_unit', 'Unit inspected'), ('disposition_unit', 'Unit dispositioned'), ('refund_proposed', 'Refund proposed'), ('refund_approved', 'Refund approved'), ('unexpected_parcel_matched', 'Unexpected parcel matched'), ('unexpected_parcel_converted', 'Created for an unexpected parcel'), ('unexpected_parcel_refused', 'Unexpected parcel refused'), ('extra_unit_found', 'Extra unit found'), ('extra_unit_added', 'Extra unit added'), ('extra_unit_sent_back', 'Extra unit sent back'), ('extra_unit_kept', 'Extra unit kept')], max_length=40),
        ),
        migrations.AlterField(
            model_name='returnevent',
            name='channel',
            field=models.CharField(choices=[('admin', 'Back office'), ('api', 'API'), ('portal', 'Portal'), ('system', 'System')], max_length=10),
        ),
        migrations.AlterField(
            model_name='returnevent',
            name='from_state',
            field=models.CharField(blank=True, choices=[('requested', 'Requested'), ('authorized', 'Authorized'), ('in_transit', 'In Transit'), ('received', 'Received'), ('inspected', 'Inspected'), ('dispositioned', 'Dispositioned'), ('refunded', 'Refunded'), ('rejected', 'Rejected'), ('cancelled', 'Cancelled'), ('expired', 'Expired'), ('closed', 'Closed')], max_length=20),
        ),
        migrations.AlterField(
            model_name='returnevent',
            name='to_state',
            field=models.CharField(choices=[('requested', 'Requested'), ('authorized', 'Authorized'), ('in_transit', 'In Transit'), ('received', 'Received'), ('inspected', 'Inspected'), ('dispositioned', 'Dispositioned'), ('refunded', 'Refunded'), ('rejected', 'Rejected'), ('cancelled', 'Cancelled'), ('expired', 'Expired'), ('closed', 'Closed')], max_length=20),
        ),
        migrations.AddConstraint(
            model_name='returnevent',
            constraint=models.CheckConstraint(condition=models.Q(models.Q(('actor__isnull', False), ('channel__in', ['admin', 'api'])), models.Q(('channel', 'portal'), ('customer__isnull', False)), models.Q(('channel', 'system'), models.Q(('system_job', ''), _negated=True)), _connector='OR'), name='return_event_names_its_actor'),
        ),
        migrations.AlterField(
            model_name='carrierevent',
            name='imported_by',
            field=models.ForeignKey(blank=True, help_text="Empty when a scheduled job imported the carrier's feed.", null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL),
        ),
    ]
