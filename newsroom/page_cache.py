"""The public pages' cache: validators from the content version, 304s, and whole pages kept under it.

Every public page is derived from published content, and every change a reader could see
moves the site-wide content version on (newsroom.freshness). So one indexed read per
request tells whether anything changed: a reader's copy with the current ETag is answered
304 before any view runs, and otherwise the page is served from the cache under a key made
of the version and the address. No edit has to know which pages it affects; the next
request after a commit (or after a scheduled publication falls due) simply misses.

Signed-in editors (anyone with a session cookie) still get validators and 304s, but their
responses are private and never stored, so nothing that depends on the session can reach
a reader. The desk, the preview, the health check and files are left alone entirely.
"""
import hashlib
import logging
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from django.conf import settings
from django.core.cache import cache as page_store
from django.http import HttpResponse, HttpResponseNotModified
from django.utils.cache import parse_etags
from django.utils.http import http_date, parse_http_date_safe

from newsroom import freshness

logger = logging.getLogger(__name__)

# Never cached and given no validators: the desk, unpublished pages, the load balancer's
# probe (it must reach the database), and files (WhiteNoise and the media server own those).
UNCACHED_PREFIXES = ("/admin/", "/preview/", "/healthz", "/static/", "/media/")
# What the release id is a hash of: everything a deploy can change about a page.
RELEASE_SOURCES = ("newsroom", "articles", "zones", "templates", "static", "locale", "pyproject.toml")


def is_public(path: str) -> bool:
    return not path.startswith(UNCACHED_PREFIXES)


@cache
def release() -> str:
    """NEWSROOM_RELEASE, or a hash of the code, templates and static files, once per process.

    A deploy changes how pages look without changing the content version; the release in
    the ETag and the cache key makes readers and the shared cache fetch the new pages. The
    hash is of file contents, not dates, so app servers running the same code agree on it.
    """
    if settings.NEWSROOM_RELEASE:
        return settings.NEWSROOM_RELEASE
    digest = hashlib.sha256()
    base = Path(settings.BASE_DIR)
    for path in sorted(_release_files(base)):
        digest.update(str(path.relative_to(base)).encode() + b"\0" + path.read_bytes() + b"\0")
    return digest.hexdigest()[:12]


def _release_files(base: Path):
    for name in RELEASE_SOURCES:
        source = base / name
        paths = [source] if source.is_file() else source.rglob("*")
        yield from (p for p in paths if p.is_file() and "__pycache__" not in p.parts)


@dataclass(frozen=True)
class Validators:
    etag: str
    last_modified: int  # whole seconds, as HTTP dates carry them
    token: str  # names the version in cache keys

    @classmethod
    def of(cls, version: freshness.Version) -> "Validators":
        # changed_at as well as the number: a database restored or made afresh starts its
        # numbers again, but never at the same instant, so old pages cannot match it.
        source = f"{release()}:{version.number}:{version.changed_at.isoformat()}"
        token = f"{version.number}-{hashlib.sha256(source.encode()).hexdigest()[:16]}"
        return cls(etag=f'W/"{token}"', last_modified=int(version.changed_at.timestamp()), token=token)

    def match(self, request) -> bool:
        """If-None-Match (weak comparison) decides when sent; else If-Modified-Since (RFC 9110 13.2.2)."""
        tags = parse_etags(request.META.get("HTTP_IF_NONE_MATCH", ""))
        if tags:
            return any(tag.removeprefix("W/") == self.etag.removeprefix("W/") for tag in tags)
        since = parse_http_date_safe(request.META.get("HTTP_IF_MODIFIED_SINCE", ""))
        return since is not None and self.last_modified <= since

    def apply(self, response, *, shared: bool):
        response.headers["ETag"] = self.etag
        response.headers["Last-Modified"] = http_date(self.last_modified)
        response.headers["Cache-Control"] = cache_control() if shared else "private, no-cache"
        return response


def cache_control() -> str:
    """Browsers ask again every time (max-age, 0 by default: the answer is a 304 or a cached
    page, so an edit shows on the next visit); a CDN or nginx in front may keep a page for
    s-maxage and then serve it stale for a little longer while it fetches the new one."""
    return (
        f"public, max-age={settings.NEWSROOM_PAGE_MAX_AGE}, s-maxage={settings.NEWSROOM_PAGE_SHARED_MAX_AGE}, "
        f"stale-while-revalidate={settings.NEWSROOM_PAGE_STALE}"
    )


def cache_key(request, validators: Validators) -> str:
    # The whole address, host included: feeds, the sitemap and canonical links carry it.
    address = hashlib.sha256(request.build_absolute_uri().encode()).hexdigest()[:32]
    return f"page:{validators.token}:{address}"


def reader_vary(response) -> list[str]:
    """What in the request, besides the address, the page says it varies with.

    Accept-Language, which the locale middleware adds to every response, does not count
    while the site has one language: the page cannot vary with it, and a shared cache
    would otherwise keep a copy per browser language.
    """
    vary = [v.strip() for v in response.get("Vary", "").split(",") if v.strip()]
    if len(settings.LANGUAGES) == 1:
        vary = [v for v in vary if v.lower() != "accept-language"]
    return vary


def shareable(request, response) -> bool:
    """A page anyone may be given: a 200 that sets no cookie, decides no caching of its
    own, varies with nothing about the reader and carries no CSP nonce (the nonce is
    per response; django-csp keeps the one it made on the request)."""
    return (
        response.status_code == 200
        and not response.streaming
        and not response.cookies
        and "Cache-Control" not in response
        and getattr(request, "_csp_nonce", None) is None
        and not reader_vary(response)
    )


def entry_of(response) -> tuple[bytes, tuple[tuple[str, str], ...]]:
    """A shareable page as plain data: its body and headers (the validators are added per request)."""
    return response.content, tuple(response.headers.items())


def response_of(entry) -> HttpResponse:
    content, headers = entry
    response = HttpResponse(content)
    for name, value in headers:
        response.headers[name] = value
    return response


# The cache is a shortcut, never a dependency: if Redis is down or slow (the client's
# socket timeouts bound the wait), the page is rendered as if it had missed.
def stored(key: str):
    if not settings.NEWSROOM_PAGE_CACHE:
        return None
    try:
        return page_store.get(key)
    except Exception:
        logger.warning("page cache unavailable for get", exc_info=True)
        return None


def store(key: str, entry) -> None:
    if not settings.NEWSROOM_PAGE_CACHE:
        return
    try:
        page_store.set(key, entry, timeout=settings.NEWSROOM_PAGE_CACHE_TIMEOUT)
    except Exception:
        logger.warning("page cache unavailable for set", exc_info=True)


class PageCacheMiddleware:
    """Placed before the session middleware, so that a hit or a 304 skips sessions and auth."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.method not in ("GET", "HEAD") or not is_public(request.path_info):
            return self.get_response(request)
        # Kept on the request: counts and the replica check reuse it instead of reading again.
        request.content_version = freshness.current()
        validators = Validators.of(request.content_version)
        shared = settings.SESSION_COOKIE_NAME not in request.COOKIES
        if validators.match(request):
            return validators.apply(HttpResponseNotModified(), shared=shared)
        if not shared:
            return self.signed_in(request, validators)
        key = cache_key(request, validators)
        if (entry := stored(key)) is not None:
            return validators.apply(response_of(entry), shared=True)
        response = self.get_response(request)
        if not shareable(request, response):
            return response
        if "Vary" in response:
            del response.headers["Vary"]  # only Accept-Language was left in it
        if request.method == "GET":
            store(key, entry_of(response))
        return validators.apply(response, shared=True)

    def signed_in(self, request, validators: Validators):
        """Rendered every time and kept by nobody but the editor's browser, which revalidates."""
        response = self.get_response(request)
        if response.status_code == 200 and not response.streaming and "Cache-Control" not in response:
            validators.apply(response, shared=False)
        return response
