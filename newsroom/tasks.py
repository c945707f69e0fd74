"""Work that runs on the background worker (`manage.py db_worker`) instead of in a request.

The tasks API is Django's (`django.tasks` from Django 6 on); until then the django-tasks
backport provides it, imported here and nowhere else, so moving to Django 6 changes the
one import below. settings.TASKS picks the backend: the database by default, so a task
enqueued inside a transaction is stored with it and runs only if that transaction commits.

Arguments and return values are stored as JSON: pass ids, never model instances.
"""
from django.db import DEFAULT_DB_ALIAS, transaction
from django_tasks import TaskResultStatus, task

from articles.models import Article
from articles.search import index
from newsroom.freshness import content_changed

REINDEX_CHUNK = 1000

# TaskResultStatus is re-exported so that nothing else imports the tasks API.
__all__ = ["TaskResultStatus", "rebuild_search_index", "reindex_articles", "search_index_rebuild"]


def search_index_rebuild(*, using: str = DEFAULT_DB_ALIAS, batch_size: int = 500, progress=None) -> int:
    """Re-derive every article's search text and the whole index; returns the article count.

    One transaction, unlike reindex_articles: the index is emptied and refilled, and readers
    must see the old index or the new one, never half of each. On SQLite that holds the
    write lock for the whole rebuild (editors' saves wait, and past the busy timeout are
    answered 503), so a full rebuild is for maintenance; after an import, reindex_articles
    re-indexes just the new rows in short chunks."""
    with transaction.atomic(using=using):
        count = index.rebuild(articles=Article.objects.using(using), batch_size=batch_size, progress=progress)
        # bulk_update sends no signal, and the search results may have changed.
        content_changed(using=using)
    return count


@task()
def rebuild_search_index() -> int:
    """The whole index again (`rebuild_search_index --background`)."""
    return search_index_rebuild()


@task()
def reindex_articles(article_ids: list[int]) -> int:
    """The search text of these articles again, e.g. after a large import wrote them in bulk.

    Ids of articles deleted since are skipped; returns how many were re-indexed. The ids go
    in chunks, each in its own transaction: a database caps the values one query may carry
    (SQLite 32,766, PostgreSQL 65,535), and a chunk holds SQLite's write lock only briefly.
    """
    count = 0
    for start in range(0, len(article_ids), REINDEX_CHUNK):
        with transaction.atomic():
            done = index.reindex(articles=Article.objects.filter(pk__in=article_ids[start:start + REINDEX_CHUNK]))
            if done:
                content_changed()
        count += done
    return count
