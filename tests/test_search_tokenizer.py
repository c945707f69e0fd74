"""The one tokenizer, query parsing and highlighting: pure functions, no database."""
from types import SimpleNamespace

import pytest

from articles.body import plain_text
from articles.search.engine import fts5_query
from articles.search.highlight import FOLD_PIECE, first_match, highlight, snippet
from articles.search.tokenize import (
    MAX_QUERY_CHARS,
    ParsedQuery,
    article_search_text,
    parse_query,
    tokenize,
)


class TestTokenize:
    def test_han_runs_become_overlapping_bigrams(self):
        assert tokenize("国家高新区") == ["国家", "家高", "高新", "新区"]

    def test_latin_words_and_numbers_are_lowercased_and_kept_whole(self):
        assert tokenize("siRNA药物BPR-30221616注射液") == ["sirna", "药物", "bpr", "30221616", "注射", "射液"]

    def test_full_width_forms_are_folded(self):
        assert tokenize("ＳＩＲＮＡ　２０２５年") == ["sirna", "2025", "年"]

    def test_a_lone_han_character_is_its_own_token(self):
        assert tokenize("“新”潮") == ["新", "潮"]

    def test_punctuation_breaks_a_run(self):
        assert tokenize("济南，出海。") == ["济南", "出海"]


class TestArticleSearchText:
    def test_headline_line_then_body_line(self):
        article = SimpleNamespace(pk=None, kicker="引题", headline="济南高新区", subheadline="",
                                  standfirst="导语", body="<p>出海</p><p>坐诊</p>")
        assert article_search_text(article) == "引题 济南 南高 高新 新区\n导语 出海 坐诊"

    def test_names_passed_in_are_indexed_in_the_body_line(self):
        article = SimpleNamespace(pk=1, kicker="", headline="标题", subheadline="", standfirst="", body="")
        text = article_search_text(article, reporter_names=["刘琴"], zone_names=["成都高新区"])
        assert text == "标题\n刘琴 成都 都高 高新 新区"


class TestParseQuery:
    def test_words_are_separate_phrases(self):
        assert parse_query("济南 出海").phrases == (("济南",), ("出海",))

    def test_a_word_is_a_phrase_of_its_bigrams(self):
        assert parse_query("济南高新区").phrases == (("济南", "南高", "高新", "新区"),)

    def test_quoted_text_is_one_phrase(self):
        assert parse_query('"open source" 济南').phrases == (("open", "source"), ("济南",))

    def test_chinese_quotes_delimit_a_phrase_and_spaces_between_han_vanish(self):
        assert parse_query("“国家 高新区”").phrases == (("国家", "家高", "高新", "新区"),)

    def test_a_single_han_character_is_scanned(self):
        query = parse_query("新 济南")
        assert (query.phrases, query.scans) == ((("济南",),), ("新",))

    def test_case_and_width_are_folded(self):
        assert parse_query("ＳＩＲＮＡ").phrases == parse_query("siRNA").phrases == (("sirna",),)

    def test_repeated_words_count_once(self):
        assert parse_query("出海 出海").phrases == (("出海",),)

    def test_long_input_is_cut(self):
        query = parse_query("国" * 2000)
        assert query.phrases == ((("国国",) * (MAX_QUERY_CHARS - 1)),)

    def test_at_most_eight_words(self):
        assert len(parse_query(" ".join(f"w{i}" for i in range(20))).phrases) == 8

    @pytest.mark.parametrize("raw", ["", "   ", '"', '""', "*", "-", "()", "：；，。", "\x00", "<->!&|"])
    def test_input_without_words_is_an_empty_query(self, raw):
        assert parse_query(raw) == ParsedQuery()
        assert not parse_query(raw)

    def test_operators_become_plain_words(self):
        assert parse_query("NEAR(a b) -x* c:d").phrases == (("near", "a"), ("b",), ("x",), ("c", "d"))

    def test_marks_are_the_runs_to_highlight_longest_first(self):
        assert parse_query("济南 siRNA 济南高新区").marks == ("sirna", "济南高新区", "济南")


class TestFts5Query:
    def test_phrases_are_quoted_and_anded(self):
        assert fts5_query((("济南", "南高"), ("x",))) == '"济南 南高" AND "x"'

    def test_a_quote_inside_a_token_is_doubled(self):
        assert fts5_query((('a"b',),)) == '"a""b"'

    def test_column_filter_wraps_the_whole_expression(self):
        assert fts5_query((("济南",), ("x",)), column="headline") == 'headline : ("济南" AND "x")'


class TestHighlight:
    def test_matches_are_marked(self):
        assert highlight("济南高新区探索", ("济南",)) == "<mark>济南</mark>高新区探索"

    def test_text_is_escaped_before_marking(self):
        marks = parse_query("script 济南").marks
        assert highlight('<script>alert("济南")</script>', marks) == (
            "&lt;<mark>script</mark>&gt;alert(&quot;<mark>济南</mark>&quot;)&lt;/<mark>script</mark>&gt;"
        )

    def test_a_mark_that_looks_like_markup_stays_text(self):
        assert highlight("a <b> c", parse_query('"<b>"').marks) == "a &lt;<mark>b</mark>&gt; c"

    def test_latin_words_match_case_and_width_insensitively_but_whole(self):
        marks = parse_query("sirna a").marks
        assert highlight("siRNA data ＳＩＲＮＡ a", marks) == (
            "<mark>siRNA</mark> data <mark>ＳＩＲＮＡ</mark> <mark>a</mark>"
        )

    def test_a_latin_word_next_to_han_is_whole(self):
        assert highlight("5G网络", parse_query("5g").marks) == "<mark>5G</mark>网络"

    def test_no_marks_is_plain_escaped_text(self):
        assert highlight("<i>", ()) == "&lt;i&gt;"


class TestSnippet:
    def test_window_starts_shortly_before_the_first_match(self):
        text = plain_text(standfirst="", body="<p>" + "甲" * 100 + "出海" + "乙" * 200 + "</p>")
        assert snippet(text, ("出海",)) == "…" + "甲" * 30 + "<mark>出海</mark>" + "乙" * 88 + "…"

    def test_window_starts_at_the_sentence_of_the_match(self):
        text = plain_text(standfirst="", body="<p>" + "甲" * 100 + "。园区出海" + "乙" * 200 + "</p>")
        assert snippet(text, ("出海",)) == "…园区<mark>出海</mark>" + "乙" * 116 + "…"

    def test_window_never_opens_on_a_closing_quote(self):
        # The cut would fall just after the quotation's last character: "…”，园区…".
        body = "<p>" + "甲" * 70 + "“开门红”，园区" + "丙" * 26 + "出海" + "乙" * 200 + "</p>"
        text = snippet(plain_text(standfirst="", body=body), ("出海",))
        assert text == "…园区" + "丙" * 26 + "<mark>出海</mark>" + "乙" * 90 + "…"

    def test_window_never_ends_on_an_opening_quote(self):
        body = "<p>出海" + "乙" * 117 + "“开门红”" + "</p>"
        assert snippet(plain_text(standfirst="", body=body), ("出海",)) == "<mark>出海</mark>" + "乙" * 117 + "…"

    def test_without_a_match_the_opening_is_shown(self):
        text = plain_text(standfirst="导语&", body="<p>正文</p>")
        assert snippet(text, ("出海",)) == "导语&amp; 正文"

    def test_the_plain_text_is_the_standfirst_then_the_body_on_one_line(self):
        assert plain_text(standfirst="导语", body="<p>第一段</p><p>第二段</p>") == "导语 第一段 第二段"


class TestFirstMatch:
    """first_match() folds the text a piece at a time; the answer is the whole text's first match."""

    def test_a_match_across_the_end_of_a_piece_is_found_where_it_starts(self):
        text = "甲" * (FOLD_PIECE - 1) + "出海" + "乙" * 10
        assert first_match(text, ("出海",)) == FOLD_PIECE - 1

    def test_a_match_far_into_the_text_is_found(self):
        text = "甲" * (5 * FOLD_PIECE + 7) + "出海"
        assert first_match(text, ("出海",)) == 5 * FOLD_PIECE + 7

    def test_an_earlier_match_cut_by_a_piece_wins_over_a_later_one_in_it(self):
        # The first piece ends in "招商引", which holds all of "商引" but not "招商引资".
        text = "甲" * (FOLD_PIECE - 3) + "招商引资" + "乙" * 10
        assert first_match(text, ("招商引资", "商引")) == FOLD_PIECE - 3

    def test_a_latin_word_at_the_end_of_a_piece_is_whole_only_with_the_next_character(self):
        # The first piece ends in "siRNA", the start of "siRNAs".
        text = "甲" * (FOLD_PIECE - 5) + "siRNAs and siRNA"
        assert first_match(text, ("sirna",)) == FOLD_PIECE - 5 + len("siRNAs and ")

    def test_offsets_count_original_characters_when_folding_expands_one(self):
        text = "㎏" * (FOLD_PIECE + 5) + "出海"
        assert first_match(text, ("出海",)) == FOLD_PIECE + 5

    def test_no_match_is_the_start(self):
        assert first_match("甲" * (3 * FOLD_PIECE), ("出海",)) == 0
