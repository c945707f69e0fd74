"""Highlighted headlines and snippets for search results.

Matches are found on the raw text, then every piece of text is escaped on its own and
the matched pieces are wrapped in <mark>: hostile text in an article stays inert, and
escaping can never split an entity or a tag.
"""
import re

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from articles.body import body_text
from articles.search.tokenize import fold
from newsroom.text.han import HAN, HAN_RE

SNIPPET_CHARS = 120
# How much text to keep before the first match, so the reader sees its context.
SNIPPET_LEAD = 30
# A window must not open on the tail of the sentence before it ("…”，…") nor close on the
# head of the next one ("…“…"): these marks are dropped at its edges.
CLOSING_MARKS = "”’」』）》〉】〕，。、；：！？ "
OPENING_MARKS = "“‘「『（《〈【〔 "
SENTENCE_ENDS = "。！？；"


def _folded(text: str) -> tuple[str, list[int]]:
    """The folded text, and for each folded character the index it came from.

    Folding one character can give several (㎏ -> kg), so offsets in the folded text
    are mapped back through this list rather than assumed equal.
    """
    chars, origin = [], []
    for index, char in enumerate(text):
        folded = fold(char)
        chars.append(folded)
        origin.extend([index] * len(folded))
    return "".join(chars), origin


def _pattern(marks) -> re.Pattern | None:
    # Latin words match whole words only, as the tokenizer cuts them (at anything but
    # a non-Han letter or digit), so "a" does not light up inside "data".
    word = rf"[^\W_{HAN}]"
    alternatives = [
        re.escape(mark) if HAN_RE.match(mark) else rf"(?<!{word}){re.escape(mark)}(?!{word})"
        for mark in marks
    ]
    return re.compile("|".join(alternatives)) if alternatives else None


def match_spans(text: str, marks) -> list[tuple[int, int]]:
    """(start, end) of every match in `text`, in order and not overlapping."""
    pattern = _pattern(marks)
    if pattern is None or not text:
        return []
    folded, origin = _folded(text)
    return [(origin[m.start()], origin[m.end() - 1] + 1) for m in pattern.finditer(folded) if m.end() > m.start()]


def highlight(text: str, marks) -> SafeString:
    """`text` escaped, with every match wrapped in <mark>."""
    parts, position = [], 0
    for start, end in match_spans(text, marks):
        if start < position:
            continue
        parts.append(escape(text[position:start]))
        parts.append(f"<mark>{escape(text[start:end])}</mark>")
        position = end
    parts.append(escape(text[position:]))
    return mark_safe("".join(parts))  # every piece was escaped above


def snippet(article, marks, *, length: int = SNIPPET_CHARS) -> SafeString:
    """A window of the standfirst and body around the first match, highlighted."""
    text = " ".join(t for t in (article.standfirst, body_text(article.body).replace("\n", " ")) if t)
    spans = match_spans(text, marks)
    start, end = _window(text, spans[0][0] if spans else 0, length)
    window = highlight(text[start:end], marks)
    return mark_safe(("…" if start else "") + window + ("…" if end < len(text) else ""))


def _window(text: str, first_match: int, length: int) -> tuple[int, int]:
    """Where the snippet starts and ends: the sentence of the first match when it begins
    within SNIPPET_LEAD characters, with no stray closing mark at the start or opening
    mark at the end."""
    start = max(0, first_match - SNIPPET_LEAD)
    if start:
        boundary = max(text.rfind(end, start, first_match) for end in SENTENCE_ENDS)
        start = boundary + 1 if boundary >= 0 else start
    while start < first_match and text[start] in CLOSING_MARKS:
        start += 1
    end = min(len(text), start + length)
    while end < len(text) and end > first_match + 1 and text[end - 1] in OPENING_MARKS:
        end -= 1
    return start, end
