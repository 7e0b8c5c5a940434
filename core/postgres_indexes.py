"""Migration operations for PostgreSQL-only indexes: on another database (SQLite, the embedded default) they
do nothing, and the lists' search falls back to plain lookups there (rma.lists)."""

from django.contrib.postgres.operations import TrigramExtension
from django.db import migrations


class PostgreSQLOnly(migrations.RunSQL):
    """SQL that only PostgreSQL runs."""

    def database_forwards(self, app_label, schema_editor, from_state, to_state):
        if schema_editor.connection.vendor == "postgresql":
            super().database_forwards(app_label, schema_editor, from_state, to_state)

    def database_backwards(self, app_label, schema_editor, from_state, to_state):
        if schema_editor.connection.vendor == "postgresql":
            super().database_backwards(app_label, schema_editor, from_state, to_state)


def prefix_index(*, name: str, table: str, column: str) -> PostgreSQLOnly:
    """An index for a search by the start of `column`, ignoring case: Django's `istartswith` reads
    UPPER(column) LIKE 'TYPED%', which only an index of UPPER(column) in text_pattern_ops answers."""
    return PostgreSQLOnly(
        f'CREATE INDEX IF NOT EXISTS "{name}" ON "{table}" (UPPER("{column}") text_pattern_ops)',
        f'DROP INDEX IF EXISTS "{name}"',
    )


__all__ = ["PostgreSQLOnly", "TrigramExtension", "prefix_index"]
