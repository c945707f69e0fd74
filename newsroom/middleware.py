"""Requests whose address or query holds characters no real one does are refused with 400.

PostgreSQL cannot store or compare text containing NUL, so a `%00` that reaches a query
(`/tags/%00/`, `?q=%00`, an admin autocomplete term) raised an error and answered 500.
Refusing such requests here, before any view runs, covers every URL at once. Form
posts are left to their forms, which refuse NUL with a message and keep what was typed.
"""
import unicodedata

from django.http import QueryDict
from django.shortcuts import render

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


class RejectUnacceptableCharactersMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if has_unacceptable(request.path_info) or any(
            has_unacceptable(key) or any(has_unacceptable(v) for v in values)
            for key, values in request.GET.lists()
        ):
            # The page echoes nothing of the refused query (the header's search box would).
            request.GET = QueryDict()
            return render(request, "400.html", status=400)
        return self.get_response(request)
