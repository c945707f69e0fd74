"""The URL of a named page, reversed once per process.

Django's reverse() walks the resolver on every call: an article page named 26 URLs a
request (its zones, its issue, the header and footer), about a seventh of its time. A URL
depends only on the view name, its arguments, the script prefix, the URLconf and the
language, and the cache key holds all five, so a link is the same string reverse() would
give. The cache is bounded; an evicted link is reversed again.
"""
import functools

from django.urls import get_script_prefix, get_urlconf, reverse
from django.utils import translation


def link(viewname: str, **kwargs) -> str:
    """reverse(viewname, kwargs=kwargs), remembered."""
    return _reversed(viewname, tuple(sorted(kwargs.items())), get_script_prefix(), get_urlconf(),
                     translation.get_language())


@functools.lru_cache(maxsize=16384)
def _reversed(viewname: str, kwargs: tuple, _prefix: str, urlconf, _language) -> str:
    return reverse(viewname, urlconf=urlconf, kwargs=dict(kwargs))
