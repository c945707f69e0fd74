"""The full-text index in the database: an FTS5 table on SQLite, a GIN tsvector on PostgreSQL.

Both are derived from `Article.search_text` (headline line, newline, body line) inside
the database, so every write path that stores `search_text` (save(), update(),
bulk_create(), raw SQL) keeps the index current without any Python hook:
- SQLite: triggers on articles_article copy the two lines into a contentless FTS5
  table. Contentless because `search_text` already holds the text; bm25() needs only
  the index.
- PostgreSQL: a stored generated tsvector column, with the headline line at weight A,
  and a small one of the headline line alone: checking it for a thousand candidate
  rows is cheap, where filtering the large one by weight means decompressing it.
"""
from django.db import connections, transaction
from django.db.migrations.recorder import MigrationRecorder

from articles.search.tokenize import article_search_text

FTS_TABLE = "articles_article_fts"
VECTOR_COLUMN = "search_vector"
HEADLINE_VECTOR_COLUMN = "search_headline_vector"
VECTOR_INDEX = "articles_article_search_vector_gin"
TRIGGERS = ("articles_article_fts_insert", "articles_article_fts_delete", "articles_article_fts_update")
MIGRATION = ("articles", "0002_search_index")


def _sqlite_lines(row: str) -> tuple[str, str]:
    """SQL for the headline line and the body line of `row`.search_text.

    Text without a newline (written before this index existed) counts as body only.
    The same expressions feed the insert and the delete triggers, which is what a
    contentless FTS5 table needs: a delete must repeat the values that were indexed.
    """
    text = f"{row}.search_text"
    cut = f"instr({text}, char(10))"
    return f"substr({text}, 1, {cut} - 1)", f"substr({text}, {cut} + 1)"


def _sqlite_trigger_sql() -> dict[str, str]:
    new_headline, new_body = _sqlite_lines("new")
    old_headline, old_body = _sqlite_lines("old")
    insert = (
        f"INSERT INTO {FTS_TABLE}(rowid, headline, body) "
        f"VALUES (new.id, {new_headline}, {new_body});"
    )
    delete = (
        f"INSERT INTO {FTS_TABLE}({FTS_TABLE}, rowid, headline, body) "
        f"VALUES ('delete', old.id, {old_headline}, {old_body});"
    )
    return {
        TRIGGERS[0]: f"CREATE TRIGGER {TRIGGERS[0]} AFTER INSERT ON articles_article BEGIN {insert} END",
        TRIGGERS[1]: f"CREATE TRIGGER {TRIGGERS[1]} AFTER DELETE ON articles_article BEGIN {delete} END",
        # Saves that leave the text alone (a status change) skip the re-index.
        TRIGGERS[2]: (
            f"CREATE TRIGGER {TRIGGERS[2]} AFTER UPDATE OF search_text, id ON articles_article "
            f"WHEN old.search_text IS NOT new.search_text OR old.id != new.id "
            f"BEGIN {delete} {insert} END"
        ),
    }


def _sqlite_refill(cursor) -> None:
    headline, body = _sqlite_lines("articles_article")
    cursor.execute(f"INSERT INTO {FTS_TABLE}({FTS_TABLE}) VALUES ('delete-all')")
    cursor.execute(
        f"INSERT INTO {FTS_TABLE}(rowid, headline, body) "
        f"SELECT id, {headline}, {body} FROM articles_article"
    )
    cursor.execute(f"INSERT INTO {FTS_TABLE}({FTS_TABLE}) VALUES ('optimize')")


def _sqlite_install(cursor) -> None:
    # The default unicode61 tokenizer splits on the spaces between our bigrams.
    cursor.execute(f"CREATE VIRTUAL TABLE {FTS_TABLE} USING fts5(headline, body, content='')")
    for sql in _sqlite_trigger_sql().values():
        cursor.execute(sql)
    _sqlite_refill(cursor)


def _sqlite_uninstall(cursor) -> None:
    for name in TRIGGERS:
        cursor.execute(f"DROP TRIGGER IF EXISTS {name}")
    cursor.execute(f"DROP TABLE IF EXISTS {FTS_TABLE}")


def _pg_line(number: int) -> str:
    # split_part() gives the whole text when there is no newline; such text is body only.
    if number == 1:
        return r"CASE WHEN strpos(search_text, E'\n') > 0 THEN split_part(search_text, E'\n', 1) ELSE '' END"
    return r"CASE WHEN strpos(search_text, E'\n') > 0 THEN split_part(search_text, E'\n', 2) ELSE search_text END"


def _pg_install(cursor) -> None:
    cursor.execute(
        f"ALTER TABLE articles_article ADD COLUMN {VECTOR_COLUMN} tsvector GENERATED ALWAYS AS ("
        f"setweight(to_tsvector('simple'::regconfig, {_pg_line(1)}), 'A') || "
        f"setweight(to_tsvector('simple'::regconfig, {_pg_line(2)}), 'D')) STORED, "
        f"ADD COLUMN {HEADLINE_VECTOR_COLUMN} tsvector GENERATED ALWAYS AS ("
        f"to_tsvector('simple'::regconfig, {_pg_line(1)})) STORED"
    )
    cursor.execute(f"CREATE INDEX {VECTOR_INDEX} ON articles_article USING gin ({VECTOR_COLUMN})")


def _pg_uninstall(cursor) -> None:
    cursor.execute(f"DROP INDEX IF EXISTS {VECTOR_INDEX}")
    cursor.execute(
        f"ALTER TABLE articles_article DROP COLUMN IF EXISTS {VECTOR_COLUMN}, "
        f"DROP COLUMN IF EXISTS {HEADLINE_VECTOR_COLUMN}"
    )


def install(connection) -> None:
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            _sqlite_install(cursor)
        elif connection.vendor == "postgresql":
            _pg_install(cursor)


def uninstall(connection) -> None:
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            _sqlite_uninstall(cursor)
        elif connection.vendor == "postgresql":
            _pg_uninstall(cursor)


def refill(connection) -> None:
    """Re-derive the index from search_text (PostgreSQL's generated column needs nothing)."""
    if connection.vendor == "sqlite":
        with connection.cursor() as cursor:
            _sqlite_refill(cursor)


def missing_sqlite_triggers(connection) -> list[str]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT name FROM sqlite_master WHERE type = 'trigger'")
        present = {row[0] for row in cursor.fetchall()}
    return [name for name in TRIGGERS if name not in present]


def ensure(connection) -> bool:
    """Put back triggers a later migration dropped; returns True when it had to.

    Django's SQLite schema editor rebuilds a table to alter it (create a copy, copy
    the rows, drop the original), and dropping the original drops its triggers. Run
    after every migrate, this restores them and re-derives the index.
    """
    if connection.vendor != "sqlite" or MIGRATION not in MigrationRecorder(connection).applied_migrations():
        return False
    missing = missing_sqlite_triggers(connection)
    if not missing:
        return False
    sql = _sqlite_trigger_sql()
    with connection.cursor() as cursor:
        for name in missing:
            cursor.execute(sql[name])
        _sqlite_refill(cursor)
    return True


def ensure_after_migrate(sender, using="default", **kwargs) -> None:
    """A post_migrate receiver for ArticlesConfig.ready()."""
    ensure(connections[using])


def reindex(*, articles, batch_size: int = 500, progress=None) -> int:
    """Recompute the search_text of `articles` (a queryset of Article, on its database);
    returns the count. The triggers (SQLite) and the generated column (PostgreSQL) carry
    the new text into the index, so a few articles cost a few rows, not a refill.

    `progress` wraps the article iterator (the command passes a tqdm bar). Rows are
    written with bulk_update, not save(): a re-index is not an edit, so it neither
    bumps the version counter nor records a revision. The caller says that search
    results changed (newsroom.freshness.content_changed), since no signal does.
    """
    using = articles.db
    articles = articles.prefetch_related("reporters", "zones").order_by("pk")
    total = articles.count()
    rows = articles.iterator(chunk_size=batch_size)
    batch: list = []
    with transaction.atomic(using=using):
        for article in progress(rows, total) if progress else rows:
            article.search_text = article_search_text(
                article,
                reporter_names=[reporter.name for reporter in article.reporters.all()],
                zone_names=[zone.name for zone in article.zones.all()],
            )
            batch.append(article)
            if len(batch) >= batch_size:
                articles.bulk_update(batch, ["search_text"])
                batch = []
        articles.bulk_update(batch, ["search_text"])
    return total


def rebuild(*, articles, batch_size: int = 500, progress=None) -> int:
    """Recompute the search_text of `articles` (all of them: Article.objects, on the database
    to rebuild), then re-derive the whole index from it; returns the count."""
    using = articles.db
    with transaction.atomic(using=using):
        ensure(connections[using])
        total = reindex(articles=articles, batch_size=batch_size, progress=progress)
        refill(connections[using])
    return total
