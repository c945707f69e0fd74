"""The one Han range, decided by the Unicode character names over every code point."""
import sys
import unicodedata

from articles import proofreading
from articles.proofreading import char_count
from articles.search.tokenize import tokenize
from newsroom.importing import parser
from newsroom.text.han import HAN_BLOCKS, HAN_RE, is_han
from zones import mentions

IDEOGRAPH_NAMES = ("CJK UNIFIED IDEOGRAPH-", "CJK COMPATIBILITY IDEOGRAPH-")
EVERY_CHARACTER = [chr(code) for code in range(sys.maxunicode + 1)]


def in_blocks(ch: str) -> bool:
    return any(low <= ord(ch) <= high for low, high in HAN_BLOCKS)


class TestHanRange:
    def test_a_named_character_is_han_exactly_when_unicode_names_it_an_ideograph(self):
        """Over all 1,114,112 code points this Python's Unicode database names."""
        wrong = [
            f"U+{ord(ch):04X} {name}"
            for ch in EVERY_CHARACTER
            if (name := unicodedata.name(ch, None)) is not None and is_han(ch) != name.startswith(IDEOGRAPH_NAMES)
        ]
        assert wrong == []

    def test_the_function_the_pattern_and_the_blocks_agree_everywhere(self):
        """Characters newer than this Python's Unicode (extensions H and I on 3.11) follow the blocks."""
        disagree = [
            f"U+{ord(ch):04X}" for ch in EVERY_CHARACTER
            if not (is_han(ch) == (HAN_RE.fullmatch(ch) is not None) == in_blocks(ch))
        ]
        assert disagree == []

    def test_yijing_hexagrams_are_not_han(self):
        assert [is_han(ch) for ch in "䷀䷁䷿"] == [False, False, False]

    def test_the_edge_of_a_text_is_not_han(self):
        assert is_han("") is False

    def test_every_user_takes_the_one_range(self):
        """The parser, the tokenizer and the zone scanner share it rather than keeping their own."""
        assert parser.HAN_RE is HAN_RE
        assert mentions.is_han is is_han
        assert proofreading.is_han is is_han

    def test_a_rare_character_of_a_name_is_han_for_the_tokenizer(self):
        """𠮷 (U+20BB7, extension B) forms bigrams like any other Han character."""
        assert tokenize("𠮷野家") == ["𠮷野", "野家"]


class TestCharacterCount:
    def test_a_rare_character_counts_once(self):
        assert char_count("𠮷野家") == 3

    def test_a_hexagram_counts_once_as_a_symbol(self):
        assert char_count("䷀") == 1

    def test_han_marks_and_latin_runs(self):
        """Seven Han characters and two Chinese marks count one each; the code is one word."""
        assert char_count("成都高新区，BPR-30221616 获批。") == 10
