"""Disposition rules are versioned: a change publishes a new version, a rule is retired, never deleted."""

import django.db.models.deletion
import django.utils.timezone
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('disposition', '0001_initial'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AddField(
            model_name='dispositionrule',
            name='created_at',
            field=models.DateTimeField(default=django.utils.timezone.now),
        ),
        migrations.AddField(
            model_name='dispositionrule',
            name='created_by',
            field=models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL),
        ),
        migrations.AddField(
            model_name='dispositionrule',
            name='retired_at',
            field=models.DateTimeField(blank=True, help_text='When a new version or a manager retired it.', null=True),
        ),
        migrations.AddField(
            model_name='dispositionrule',
            name='retired_by',
            field=models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL),
        ),
        migrations.AddField(
            model_name='dispositionrule',
            name='supersedes',
            field=models.OneToOneField(blank=True, help_text='The version this one replaced.', null=True, on_delete=django.db.models.deletion.PROTECT, related_name='superseded_by', to='disposition.dispositionrule'),
        ),
        migrations.AddField(
            model_name='dispositionrule',
            name='version',
            field=models.PositiveIntegerField(default=1),
        ),
        migrations.AlterField(
            model_name='disposition',
            name='rule',
            field=models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to='disposition.dispositionrule'),
        ),
    ]
