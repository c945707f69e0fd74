"""The one Han range, decided by the Unicode character names over the CJK blocks and their neighbours."""
import unicodedata

import pytest

from articles import proofreading
from articles.search.tokenize import tokenize
from newsroom.importing import parser
from newsroom.text.han import HAN_RE, is_han
from zones import mentions

# Every block with ideographs, and the blocks around them that hold look-alikes.
BLOCKS = {
    "CJK Radicals Supplement": (0x2E80, 0x2EFF),
    "Kangxi Radicals": (0x2F00, 0x2FDF),
    "CJK Symbols and Punctuation": (0x3000, 0x303F),
    "CJK Strokes": (0x31C0, 0x31EF),
    "CJK Unified Ideographs Extension A": (0x3400, 0x4DBF),
    "Yijing Hexagram Symbols": (0x4DC0, 0x4DFF),
    "CJK Unified Ideographs": (0x4E00, 0x9FFF),
    "CJK Compatibility Ideographs": (0xF900, 0xFAFF),
    "Halfwidth and Fullwidth Forms": (0xFF00, 0xFFEF),
    "CJK Unified Ideographs Extension B": (0x20000, 0x2A6DF),
    "CJK Unified Ideographs Extensions C to F": (0x2A700, 0x2EBEF),
    "CJK Compatibility Ideographs Supplement": (0x2F800, 0x2FA1F),
    "CJK Unified Ideographs Extension G": (0x30000, 0x3134F),
}
IDEOGRAPH_NAMES = ("CJK UNIFIED IDEOGRAPH-", "CJK COMPATIBILITY IDEOGRAPH-")


def assigned(low: int, high: int):
    """The code points of a block that this Python's Unicode database names."""
    for code in range(low, high + 1):
        name = unicodedata.name(chr(code), None)
        if name is not None:
            yield chr(code), name


class TestHanRange:
    @pytest.mark.parametrize("block", BLOCKS)
    def test_a_character_is_han_exactly_when_unicode_names_it_an_ideograph(self, block):
        wrong = [
            f"U+{ord(ch):04X} {name}"
            for ch, name in assigned(*BLOCKS[block])
            if is_han(ch) != name.startswith(IDEOGRAPH_NAMES)
        ]
        assert wrong == []

    def test_the_pattern_and_the_function_agree(self):
        for low, high in BLOCKS.values():
            for ch, _name in assigned(low, high):
                assert (HAN_RE.fullmatch(ch) is not None) == is_han(ch), f"U+{ord(ch):04X}"

    def test_yijing_hexagrams_are_not_han(self):
        assert [is_han(ch) for ch in "䷀䷁䷿"] == [False, False, False]

    def test_every_user_takes_the_one_range(self):
        """The parser, the tokenizer and the zone scanner share it rather than keeping their own."""
        assert parser.HAN_RE is HAN_RE
        assert mentions.is_han is is_han
        assert proofreading.is_han is is_han

    def test_a_rare_character_of_a_name_is_han_for_the_tokenizer(self):
        """𠮷 (U+20BB7, extension B) forms bigrams like any other Han character."""
        assert tokenize("𠮷野家") == ["𠮷野", "野家"]
