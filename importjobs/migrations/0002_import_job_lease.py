import datetime as dt

from django.db import migrations, models
from django.utils import timezone


def lease_running_jobs(apps, schema_editor):
    """A job left running before leases existed may have lost its worker: the sweep checks it two minutes on."""
    ImportJob = apps.get_model("importjobs", "ImportJob")
    ImportJob.objects.filter(status="running").update(leased_until=timezone.now() + dt.timedelta(minutes=2))


class Migration(migrations.Migration):

    dependencies = [
        ('importjobs', '0001_initial'),
    ]

    operations = [
        migrations.AddField(
            model_name='importjob',
            name='attempts',
            field=models.PositiveIntegerField(default=0, help_text='How many times a worker started it.'),
        ),
        migrations.AddField(
            model_name='importjob',
            name='leased_until',
            field=models.DateTimeField(blank=True, help_text='The worker running it renews this as it works; past it, that worker died.', null=True),
        ),
        migrations.RunPython(lease_running_jobs, migrations.RunPython.noop),
    ]
