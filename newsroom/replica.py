"""Public reads from an optional read replica (DATABASE_REPLICA_URL), never from a lagging one.

A replica replays the primary's commits in order, a little late. Three rules keep readers
from seeing that:

- Only an anonymous reader's GET or HEAD of a public page may read from the replica. The
  admin, previews, every POST and anyone with a session (an editor who has just saved and
  now looks at the page) read from the primary, so nobody misses their own write.
- The content version (newsroom.freshness) is always read from the primary: ETags and cache
  keys never go backwards. The request reads from the replica only when the replica has
  replayed that version too. Every change commits before its version does, so the replica
  then holds all the content that version names, and a page cached under the version is
  never built from older rows. A lagging or unreachable replica sends the request to the
  primary instead.
- Inside a transaction every read goes to the primary (it must see the transaction's rows).
"""
from contextvars import ContextVar

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, DatabaseError, connections

from newsroom import freshness
from newsroom.models import ContentVersion

REPLICA = "replica"
# URL namespaces whose pages an editor reads: always from the primary.
PRIMARY_NAMESPACES = frozenset({"admin", "preview"})
_reads_from_replica: ContextVar[bool] = ContextVar("reads_from_replica", default=False)


class ReplicaRouter:
    """Reads go to the replica only where ReplicaMiddleware allowed it; writes and migrations to the primary."""

    def db_for_read(self, model, **hints):
        if _reads_from_replica.get() and not connections[DEFAULT_DB_ALIAS].in_atomic_block:
            return REPLICA
        return DEFAULT_DB_ALIAS

    def db_for_write(self, model, **hints):
        return DEFAULT_DB_ALIAS

    def allow_relation(self, obj1, obj2, **hints):
        return True  # the replica is a copy of the primary: the same rows under both aliases

    def allow_migrate(self, db, app_label, model_name=None, **hints):
        return db == DEFAULT_DB_ALIAS  # the replica gets its schema by replication


def may_read_replica(request) -> bool:
    """An anonymous reader's GET or HEAD of a public page (the URL is resolved by now)."""
    return (
        request.method in ("GET", "HEAD")
        and settings.SESSION_COOKIE_NAME not in request.COOKIES
        and not PRIMARY_NAMESPACES.intersection(request.resolver_match.namespaces)
    )


def replica_has_caught_up(request=None) -> bool:
    """True when the replica has replayed the primary's current content version (read by the
    page cache for this request already, when it ran)."""
    version = getattr(request, "content_version", None) or freshness.current(using=DEFAULT_DB_ALIAS)
    primary = version.number
    try:
        replayed = (
            ContentVersion.objects.using(REPLICA)
            .filter(pk=freshness.ROW)
            .values_list("number", flat=True)
            .first()
        )
    except DatabaseError:
        return False  # the replica is down: the primary serves
    return replayed is not None and replayed >= primary


class ReplicaMiddleware:
    """Lets the router send this request's reads to the replica when the rules above allow it."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        token = _reads_from_replica.set(False)
        try:
            return self.get_response(request)
        finally:
            _reads_from_replica.reset(token)

    def process_view(self, request, view_func, view_args, view_kwargs):
        if may_read_replica(request):
            _reads_from_replica.set(replica_has_caught_up(request))
