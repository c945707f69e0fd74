"""Highlighted headlines and snippets for search results.

Matches are found on the raw text, then every piece of text is escaped on its own and
the matched pieces are wrapped in <mark>: hostile text in an article stays inert, and
escaping can never split an entity or a tag.
"""
import functools
import re
from collections.abc import Sequence

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from articles.search.tokenize import fold
from newsroom.text.han import HAN, HAN_RE

SNIPPET_CHARS = 120
# How much text to keep before the first match, so the reader sees its context.
SNIPPET_LEAD = 30
# How much text first_match() folds at a time.
FOLD_PIECE = 200
# A window must not open on the tail of the sentence before it ("…”，…") nor close on the
# head of the next one ("…“…"): these marks are dropped at its edges.
CLOSING_MARKS = "”’」』）》〉】〕，。、；：！？ "
OPENING_MARKS = "“‘「『（《〈【〔 "
SENTENCE_ENDS = "。！？；"


# Text holds few distinct characters, and folding one is the costly part of a snippet.
_fold_char = functools.lru_cache(maxsize=8192)(fold)


def _folded(text: str) -> tuple[str, Sequence[int]]:
    """The folded text, and for each folded character the index it came from.

    Folding one character can give several (㎏ -> kg), so offsets in the folded text
    are mapped back through this list rather than assumed equal.
    """
    folded = "".join(map(_fold_char, text))
    if len(folded) == len(text):  # no character folded to several: offsets are equal
        return folded, range(len(text))
    chars, origin = [], []
    for index, char in enumerate(text):
        folded = _fold_char(char)
        chars.append(folded)
        origin.extend([index] * len(folded))
    return "".join(chars), origin


def _pattern(marks) -> re.Pattern | None:
    return _compiled(tuple(marks))


@functools.lru_cache(maxsize=64)
def _compiled(marks: tuple[str, ...]) -> re.Pattern | None:
    # A page asks for the same query's pattern three times a hit. Latin words match whole words only, as the tokenizer cuts them (at anything but
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


def snippet(text: str, marks, *, length: int = SNIPPET_CHARS) -> SafeString:
    """A window of `text` (an article's stored plain text) around the first match, highlighted."""
    start, end = _window(text, first_match(text, marks), length)
    window = highlight(text[start:end], marks)
    return mark_safe(("…" if start else "") + window + ("…" if end < len(text) else ""))


def first_match(text: str, marks) -> int:
    """Where the first match in `text` starts, or 0 without one.

    The text is folded a piece at a time until the first match is certain: a body runs
    to thousands of characters and the match is usually near its start, while folding
    costs a Python call per character. A match is certain once the folded text reaches
    the longest mark, plus the character after it that a Latin word's boundary reads,
    past the match's start.
    """
    pattern = _pattern(marks)
    if pattern is None:
        return 0
    reach = max(len(mark) for mark in marks) + 1
    folded, origin, done, searched = "", [], 0, 0
    while done < len(text):
        piece, piece_origin = _folded(text[done : done + FOLD_PIECE])
        folded += piece
        origin += [done + index for index in piece_origin]
        done += FOLD_PIECE
        # Earlier positions had all the text they need and matched nothing. The
        # lookbehind of a Latin word still sees the characters before `searched`.
        match = pattern.search(folded, searched)
        if match and (done >= len(text) or match.start() + reach <= len(folded)):
            return origin[match.start()]
        searched = max(searched, len(folded) - reach)
    return 0


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
