"""The full-text index: FTS5 + triggers on SQLite, a generated tsvector + GIN on PostgreSQL.

The SQL lives in articles.search.index, next to the code that re-creates the SQLite
triggers after a later migration rebuilds the article table.
"""
from django.db import migrations

from articles.search import index as search_index


def forwards(apps, schema_editor):
    # Branches on schema_editor.connection.vendor; other databases get no index.
    search_index.install(schema_editor.connection)


def backwards(apps, schema_editor):
    search_index.uninstall(schema_editor.connection)


class Migration(migrations.Migration):

    dependencies = [
        ("articles", "0001_initial"),
    ]

    operations = [
        migrations.RunPython(forwards, backwards, elidable=False),
    ]
