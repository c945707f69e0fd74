"""Counts that grow with the archive (and an article's related articles), cached under the
site-wide content version.

How many articles are published, or name a zone, a topic or a reporter, changes only when
content changes or a scheduled publication falls due, and both move the content version
on (newsroom.freshness). So a count is computed once per version and cache backend, and
every page after that reads it instead of counting a hundred thousand rows again.

A connection with uncommitted content changes of its own (a test, a shell session in a
transaction) computes afresh and caches nothing: it sees rows that other readers do not.
"""
import logging

from django.core.cache import cache

from newsroom import freshness

logger = logging.getLogger(__name__)

# Entries of an old version are never read again; this only bounds how long they linger.
TIMEOUT = 24 * 60 * 60


def content_version(request=None) -> freshness.Version:
    """The version this request serves, read once per request (the page cache may have read it)."""
    version = getattr(request, "content_version", None)
    if version is None:
        version = freshness.current()
        if request is not None:
            request.content_version = version
    return version


def cached(key: str, compute, *, request=None):
    """compute() once per content version; `key` names what it computes, e.g. "zone:12"."""
    if freshness.change_pending():
        return compute()
    full_key = f"counts:{content_version(request).number}:{key}"
    try:
        value = cache.get(full_key)
    except Exception:  # Redis is another service: without it a page counts, it does not fail
        logger.warning("count cache unavailable for get", exc_info=True)
        return compute()
    if value is None:
        value = compute()
        try:
            cache.set(full_key, value, TIMEOUT)
        except Exception:
            logger.warning("count cache unavailable for set", exc_info=True)
    return value
