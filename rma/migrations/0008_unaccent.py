"""PostgreSQL's unaccent extension, for searching names accent-insensitively (rma.lists); nothing on SQLite."""

from django.contrib.postgres.operations import UnaccentExtension
from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("rma", "0007_dock_tracking_and_scan_keys")]

    operations = [UnaccentExtension()]
