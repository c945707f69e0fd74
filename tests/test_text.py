"""The shared text rules: which characters are invisible, and the one form of a name."""
import pytest

from newsroom.text.names import clean_name, code_points, has_visible_text


class TestCleanName:
    @pytest.mark.parametrize(
        "typed",
        [
            "张\u200b三丰",  # zero-width space
            "\ufeff张三丰",  # byte order mark
            "张三\u2060丰",  # word joiner
            "\u202e张三丰\u202c",  # right-to-left override and its end
            "张\u200d三\u200c丰",  # zero-width joiner and non-joiner
            "张三丰\ufe0f",  # variation selector
            "张三丰\U000e0100",  # ideographic variation selector
            " 张三丰\u3000",  # spaces around
        ],
        ids=["zwsp", "bom", "word-joiner", "bidi-override", "joiners", "vs16", "ivs", "spaces"],
    )
    def test_invisible_characters_are_removed(self, typed):
        assert clean_name(typed) == "张三丰"

    def test_compatibility_ideograph_becomes_the_usual_one(self):
        assert clean_name("\uf907\u9f9c") == "\u9f9c\u9f9c"

    def test_inner_spaces_become_one(self):
        assert clean_name("Anna \u00a0\u3000 Schmidt") == "Anna Schmidt"

    def test_only_invisible_characters_leave_nothing(self):
        assert clean_name("\u200b\u202e\ufeff") == ""


class TestVisibleText:
    @pytest.mark.parametrize(
        "text",
        ["\u202e", "\u200b\u200b", "\ufeff", "\u2060", "\ufe0f", "\u3164", "\u2800", "\u0301", " \u3000"],
        ids=["rlo", "zwsp", "bom", "word-joiner", "vs16", "hangul-filler", "braille-blank", "lone-mark", "spaces"],
    )
    def test_text_that_shows_nothing(self, text):
        assert has_visible_text(text) is False

    @pytest.mark.parametrize("text", ["标题", "\u200b题", "2025", "？", "🔥", "A\u0301"])
    def test_text_that_shows_something(self, text):
        assert has_visible_text(text) is True

    def test_code_points_are_listed_once_each(self):
        assert code_points("\u202e\u200b\u202e") == "U+202E U+200B"

    def test_code_points_list_is_cut_after_four(self):
        assert code_points("\u200b\u200c\u200d\u2060\ufeff") == "U+200B U+200C U+200D U+2060 …"
