"""Side-by-side differences between two texts: paragraphs first, then characters.

Chinese has no spaces between words, so a word diff would treat a whole sentence as
one word. Han characters are compared one by one; Latin words and numbers stay whole
(3.6亿元 changing to 4.2亿元 marks the number, not single digits). Everything is
escaped before it is marked up.
"""
import difflib
import re
from dataclasses import dataclass

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

TOKEN_RE = re.compile(r"[A-Za-z0-9.]+|\s+|.", re.S)


@dataclass(frozen=True)
class Row:
    """One line of a side-by-side comparison; kind is equal, changed, removed or added."""

    kind: str
    left: SafeString
    right: SafeString


def tokens(text: str) -> list[str]:
    return TOKEN_RE.findall(text)


def _marked(parts: list[str], tag: str) -> str:
    text = escape("".join(parts))
    return f"<{tag}>{text}</{tag}>" if text else ""


def inline_diff(old: str, new: str) -> tuple[SafeString, SafeString]:
    """Both texts, escaped, with removed tokens in <del> and added ones in <ins>."""
    a, b = tokens(old), tokens(new)
    left, right = [], []
    for op, i1, i2, j1, j2 in difflib.SequenceMatcher(None, a, b, autojunk=False).get_opcodes():
        if op == "equal":
            left.append(escape("".join(a[i1:i2])))
            right.append(escape("".join(b[j1:j2])))
            continue
        left.append(_marked(a[i1:i2], "del"))
        right.append(_marked(b[j1:j2], "ins"))
    return mark_safe("".join(left)), mark_safe("".join(right))


def _replaced_rows(old: list[str], new: list[str]) -> list[Row]:
    # Pair replaced paragraphs one to one; the surplus on either side is removed/added.
    rows = []
    for k in range(max(len(old), len(new))):
        if k < len(old) and k < len(new):
            left, right = inline_diff(old[k], new[k])
            rows.append(Row("changed", left, right))
        elif k < len(old):
            rows.append(Row("removed", mark_safe(_marked([old[k]], "del")), mark_safe("")))
        else:
            rows.append(Row("added", mark_safe(""), mark_safe(_marked([new[k]], "ins"))))
    return rows


def paragraph_rows(old: list[str], new: list[str]) -> list[Row]:
    """The side-by-side rows that turn the paragraphs `old` into `new`."""
    rows = []
    matcher = difflib.SequenceMatcher(None, old, new, autojunk=False)
    for op, i1, i2, j1, j2 in matcher.get_opcodes():
        if op == "equal":
            rows.extend(Row("equal", escape(p), escape(p)) for p in old[i1:i2])
        else:
            rows.extend(_replaced_rows(old[i1:i2], new[j1:j2]))
    return rows


def has_changes(rows: list[Row]) -> bool:
    return any(row.kind != "equal" for row in rows)
