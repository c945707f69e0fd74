"""Moving the test database's schema to a migration and back, for tests of data migrations."""
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from articles.search import index as search_index


def migrate(targets):
    """Migrate to `targets`; returns the historical apps of that state."""
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)
    # As `manage.py migrate` does after every run (post_migrate): SQLite drops the search
    # index's triggers with a table it rebuilds, and the tests after this one search.
    search_index.ensure(connection)
    return executor.loader.project_state(targets).apps
