"""Which characters are Han ideographs: the one range the parser, search and zones use.

The blocks are every block of CJK Unified Ideographs and CJK Compatibility Ideographs,
including the supplementary planes, where rare characters of personal names live (𠮷).
Neighbouring blocks are not Han: Yijing hexagram symbols (U+4DC0–U+4DFF) sit between
extension A and the main block, and radicals, strokes and 〇 are symbols or numbers.
tests/test_han.py checks the ranges against the Unicode character names.
"""
import re

HAN_BLOCKS = (
    (0x3400, 0x4DBF),  # CJK Unified Ideographs Extension A
    (0x4E00, 0x9FFF),  # CJK Unified Ideographs
    (0xF900, 0xFAFF),  # CJK Compatibility Ideographs
    (0x20000, 0x2A6DF),  # Extension B
    (0x2A700, 0x2EE5F),  # Extensions C, D, E, F and I
    (0x2F800, 0x2FA1F),  # CJK Compatibility Ideographs Supplement
    (0x30000, 0x323AF),  # Extensions G and H
)
# The blocks outside the Basic Multilingual Plane, which is_han() checks last.
SUPPLEMENTARY_BLOCKS = tuple((low, high) for low, high in HAN_BLOCKS if low > 0xFFFF)
# For regular expressions: `[{HAN}]` matches one Han character.
HAN = "".join(f"{chr(low)}-{chr(high)}" for low, high in HAN_BLOCKS)
HAN_RE = re.compile(f"[{HAN}]")


def is_han(ch: str) -> bool:
    """For one character; the empty string (the edge of a text) is not Han."""
    # String comparisons, most frequent block first: this runs once per character of an
    # article in proofreading and the zone scan, where ord() and a loop cost 8 times more.
    return (
        "\u4e00" <= ch <= "\u9fff"
        or "\u3400" <= ch <= "\u4dbf"
        or "\uf900" <= ch <= "\ufaff"
        or (ch >= "\U00010000" and any(low <= ord(ch) <= high for low, high in SUPPLEMENTARY_BLOCKS))
    )
