"""Request guards: unacceptable characters answer 400, a busy database 503.

Requests whose address or query holds characters no real one does are refused with 400.

PostgreSQL cannot store or compare text containing NUL, so a `%00` that reaches a query
(`/tags/%00/`, `?q=%00`, an admin autocomplete term) raised an error and answered 500.
Refusing such requests here, before any view runs, covers every URL at once. Form
posts are left to their forms, which refuse NUL with a message and keep what was typed.

A query string that is not UTF-8 is refused too: Django would read it with replacement
characters, so `?q=%ED%A0%80` (a lone surrogate) searched for "���" instead. (A path
that is not UTF-8 stays percent-encoded in Django and matches no page: a 404.)

Cookies are different: a browser keeps sending a bad one, so refusing it would lock the
reader out. A cookie value with such a character (a quoted cookie can carry NUL as
"\\000") is emptied instead, which makes the session middleware clear a bad session
cookie rather than look it up in PostgreSQL.
"""
import logging
import unicodedata
from urllib.parse import unquote_to_bytes

from django.db import OperationalError
from django.http import QueryDict
from django.shortcuts import render

logger = logging.getLogger(__name__)

# Tab, newline and carriage return can appear in query values (a pasted search); no
# other control character can, and surrogates and noncharacters are not text at all.
ALLOWED_CONTROLS = frozenset("\t\n\r")


def is_unacceptable(ch: str) -> bool:
    if ch in ALLOWED_CONTROLS:
        return False
    category = unicodedata.category(ch)
    if category in {"Cc", "Cs"}:
        return True
    code = ord(ch)
    return 0xFDD0 <= code <= 0xFDEF or (code & 0xFFFE) == 0xFFFE


def has_unacceptable(text: str) -> bool:
    return any(is_unacceptable(ch) for ch in text)


def query_is_utf8(request) -> bool:
    # WSGI hands the raw bytes over as latin-1 text; percent escapes are bytes too.
    raw = request.META.get("QUERY_STRING", "").encode("latin-1", "replace")
    try:
        unquote_to_bytes(raw.replace(b"+", b" ")).decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


def clear_unacceptable_cookies(request) -> None:
    cookies = request.COOKIES
    if any(has_unacceptable(name + value) for name, value in cookies.items()):
        request.COOKIES = {
            name: "" if has_unacceptable(value) else value
            for name, value in cookies.items()
            if not has_unacceptable(name)
        }


class RejectUnacceptableCharactersMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if not query_is_utf8(request) or has_unacceptable(request.path_info) or any(
            has_unacceptable(key) or any(has_unacceptable(v) for v in values)
            for key, values in request.GET.lists()
        ):
            # The page echoes nothing of the refused query (the header's search box would).
            request.GET = QueryDict()
            return render(request, "400.html", status=400)
        clear_unacceptable_cookies(request)
        return self.get_response(request)


class DatabaseBusyMiddleware:
    """A database that is busy or unreachable answers 503 with Retry-After, not 500.

    On SQLite a writer waits up to the busy timeout for the lock; a very long import can
    outlast it, and Django's admin takes the write lock even to show a form (its change
    view runs in a transaction, which is IMMEDIATE here). On PostgreSQL the same class of
    error means the server is down or restarting. Either way the request did nothing and
    may simply be sent again, which is what 503 says. The error is still logged.
    """

    RETRY_AFTER_SECONDS = 10

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        if not isinstance(exception, OperationalError):
            return None
        logger.error("Database unavailable for %s", request.path, exc_info=exception)
        response = render(request, "503.html", status=503)
        response["Retry-After"] = str(self.RETRY_AFTER_SECONDS)
        return response
