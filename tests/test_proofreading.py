"""The 校对 checks: pure functions on inline text, every finding at its exact offsets."""
import pytest

from articles.proofreading import (
    BLOCK,
    WARN,
    Finding,
    Word,
    WordList,
    char_count,
    doubled_findings,
    excerpt,
    half_width_findings,
    pairing_findings,
    proofread,
    spacing_findings,
    traditional_findings,
    word_findings,
    zone_findings,
)
from zones.mentions import ZoneIndex


def spans(findings) -> list[tuple[int, int, str]]:
    return [(f.start, f.end, f.text) for f in findings]


WORDS = WordList([
    Word("再接再励", BLOCK, "再接再厉"),
    Word("截止目前", WARN, "截至目前", "“截至”后接时间点"),
    Word("高新", WARN),
    Word("高新技术企业", WARN, "高企"),
])


class TestWordList:
    def test_blocked_word_is_found_with_its_replacement(self):
        """A 禁用 word is found at its place with the replacement as the fix."""
        [f] = word_findings("body", "大家再接再励。", WORDS)
        assert (f.start, f.end, f.text, f.severity, f.suggestion) == (2, 6, "再接再励", BLOCK, "再接再厉")
        assert f.message == "“再接再励”应改为“再接再厉”"

    def test_warning_carries_the_note(self):
        """A 提示 word's note is part of the message."""
        [f] = word_findings("body", "截止目前已有", WORDS)
        assert f.message == "“截止目前”应改为“截至目前”（“截至”后接时间点）"
        assert f.severity == WARN and not f.blocks

    def test_longest_word_wins_without_overlap(self):
        """高新技术企业 is one finding, not also 高新; a later 高新 is found on its own."""
        found = word_findings("body", "高新技术企业和高新区", WORDS)
        assert spans(found) == [(0, 6, "高新技术企业"), (7, 9, "高新")]

    def test_word_without_replacement_has_no_fix(self):
        """A listed word with no replacement is reported with no suggested fix."""
        [f] = word_findings("body", "高新", WORDS)
        assert (f.suggestion, f.message) == (None, "“高新”在用词表中")

    def test_empty_list_finds_nothing(self):
        """An empty word list finds nothing and does not fail."""
        assert word_findings("body", "再接再励", WordList([])) == []


class TestHalfWidth:
    def test_comma_between_han(self):
        """发展,创新: the comma is a finding with ， as the fix."""
        [f] = half_width_findings("body", "发展,创新")
        assert (f.start, f.end, f.text, f.suggestion) == (2, 3, ",", "，")

    def test_comma_and_space_go_together(self):
        """发展, 创新: the comma and the space after it are one finding."""
        [f] = half_width_findings("body", "发展, 创新")
        assert (f.start, f.end, f.text, f.suggestion) == (2, 4, ", ", "，")

    def test_parentheses_after_han(self):
        """蛋白(ATTR)靶点: both parentheses are findings."""
        found = half_width_findings("body", "蛋白(ATTR)靶点")
        assert [(f.start, f.text, f.suggestion) for f in found] == [(2, "(", "（"), (7, ")", "）")]

    def test_latin_and_numbers_stay(self):
        """3.5 亿, U.S., Hello, world and a colon before digits are not findings."""
        assert half_width_findings("body", "增长3.5亿元，U.S. Hello, world，时间10:30") == []

    def test_full_stop_between_han(self):
        """A full stop between two Han characters becomes 。."""
        [f] = half_width_findings("body", "完成.明年")
        assert (f.start, f.suggestion) == (2, "。")


class TestPairing:
    def test_unclosed_quote(self):
        """An opening “ with no ” is reported at the opener."""
        [f] = pairing_findings("body", "他说“好啊。")
        assert (f.start, f.end, f.text, f.message) == (2, 3, "“", "“ 后面缺少与之配对的 ”")

    def test_closer_without_opener(self):
        """A 》 with no 《 is reported at the closer."""
        [f] = pairing_findings("body", "读书》很好")
        assert (f.start, f.text) == (2, "》")

    def test_inner_opener_left_open(self):
        """《A“B》: the “ is reported, the 》 closes its 《."""
        assert spans(pairing_findings("body", "《甲“乙》丙")) == [(2, 3, "“")]

    def test_offsets_count_earlier_lines(self):
        """Offsets are in the whole field, past the earlier paragraphs and their newlines."""
        assert spans(pairing_findings("body", "第一段。\n第二段（未完")) == [(8, 9, "（")]

    def test_quotation_over_several_paragraphs(self):
        """A quotation opening each paragraph and closing in the last one is correct."""
        assert pairing_findings("body", "“第一段。\n“第二段。”") == []

    def test_balanced_marks(self):
        """Nested, balanced marks give nothing."""
        assert pairing_findings("body", "《“开门红”》（见‘附表’）【注】") == []


class TestDoubled:
    def test_same_mark_twice(self):
        """，， is one finding with ， as the fix."""
        [f] = doubled_findings("body", "首先，，其次")
        assert (f.start, f.end, f.text, f.suggestion) == (2, 4, "，，", "，")

    def test_different_marks(self):
        """，。 is a finding with no fix to suggest."""
        [f] = doubled_findings("body", "结束，。")
        assert (f.start, f.end, f.suggestion) == (2, 4, None)

    def test_ellipsis_and_dash_are_single_marks(self):
        """…… and —— are each one mark, not doubled punctuation."""
        assert doubled_findings("body", "热潮……新药——注射液") == []


class TestSpacing:
    def test_space_between_han(self):
        """发展 创新 and a full-width space are findings whose fix is to delete them."""
        found = spacing_findings("body", "发展 创新\u3000动能")
        assert [(f.start, f.end, f.suggestion) for f in found] == [(2, 3, ""), (5, 6, "")]

    def test_space_before_chinese_punctuation(self):
        """A space between Han text and ，is a finding."""
        assert spans(spacing_findings("body", "发展 ，创新")) == [(2, 3, " ")]

    def test_space_beside_latin_stays(self):
        """Spaces around Latin words and numbers are left alone."""
        assert spacing_findings("body", "采用 AI 技术，增长 30%") == []


class TestTraditional:
    def test_traditional_characters(self):
        """國 and 區 are found with their simplified forms."""
        found = traditional_findings("body", "国家高新區和中國")
        assert [(f.start, f.text, f.suggestion) for f in found] == [(4, "區", "区"), (7, "國", "国")]

    def test_phrase_decides_an_ambiguous_character(self):
        """乾燥 is 干燥, while 乾坤 is simplified already."""
        found = traditional_findings("body", "乾坤乾燥")
        assert [(f.start, f.text, f.suggestion) for f in found] == [(2, "乾", "干")]

    def test_simplified_text_is_clean(self):
        """Simplified characters that look traditional (乾坤, 著作) are not findings."""
        assert traditional_findings("body", "乾坤著作，只有一台") == []


class TestZones:
    def test_unknown_zone_name_at_each_place(self):
        """An …高新区 name not in the reference list is found wherever it appears."""
        index = ZoneIndex({"成都高新区": object()})
        found = zone_findings("body", "在宿迁高新区和成都高新区，宿迁高新区", index)
        assert spans(found) == [(1, 6, "宿迁高新区"), (13, 18, "宿迁高新区")]
        assert found[0].message == "“宿迁高新区”不在国家高新区名录中，请核对名称"


class TestCharCount:
    def test_han_and_chinese_marks_count_one_each(self):
        """国家高新区。 is 6."""
        assert char_count("国家高新区。") == 6

    def test_latin_runs_count_one_each(self):
        """2025年BPR-30221616注射液 ok: 2025, BPR-30221616 and ok are one each."""
        assert char_count("2025年BPR-30221616注射液 ok") == 7

    def test_spaces_do_not_count(self):
        """Spaces and newlines count nothing."""
        assert char_count(" 甲 \n 乙 ") == 2


class TestProofread:
    def test_findings_in_form_order_then_place(self):
        """Findings come field by field in form order, each field by offset."""
        report = proofread({"body": "再接再励,好", "headline": "標题"}, words=WORDS)
        assert [(f.field, f.start, f.kind) for f in report.findings] == [
            ("headline", 0, "traditional"), ("body", 0, "word"), ("body", 4, "half_width"),
        ]
        assert [f.text for f in report.blocking] == ["再接再励"]

    def test_char_counts(self):
        """The report counts the whole article and the body."""
        report = proofread({"headline": "标题", "body": "正文内容"})
        assert (report.char_count, report.body_char_count) == (6, 4)

    def test_excerpt_keeps_the_line_and_marks_the_finding(self):
        """The excerpt is the finding in context, cut at the line, with … where cut."""
        text = "第一行\n一二三四五六七八九十一二三四再接再励一二三"
        f = Finding("body", 18, 22, "再接再励", "word", BLOCK, "")
        assert excerpt(text, f) == ("…三四五六七八九十一二三四", "再接再励", "一二三")


@pytest.mark.django_db
class TestSeed:
    def test_seed_gives_no_blocked_finding(self, imported_seed):
        """The seed issue, with the shipped word list, has no 禁用 finding."""
        from articles.proof import article_proofread

        for article in imported_seed.articles.all():
            assert article_proofread(article=article).blocking == []
