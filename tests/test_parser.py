"""The issue text parser, one rule at a time, on inline text (no database)."""
import codecs

import pytest

from newsroom.importing.parser import (
    Credit,
    ParseError,
    join_fragments,
    normalize_punctuation,
    parse_credits,
    parse_issue,
)

FEATURE = "标题一\n\n► 刘琴\n\n第一段。\n"


def parse(text: str, encoding: str = "utf-8"):
    return parse_issue(text.encode(encoding))


class TestEncodings:
    def test_utf8_with_bom(self):
        issue = parse_issue(codecs.BOM_UTF8 + FEATURE.encode())
        assert issue.articles[0].headline == "标题一"
        assert issue.encoding == "utf-8-sig"

    @pytest.mark.parametrize("encoding", ["utf-16", "utf-16-le", "utf-16-be"])
    def test_utf16_with_bom(self, encoding):
        data = FEATURE.encode(encoding)
        if encoding != "utf-16":
            bom = codecs.BOM_UTF16_LE if encoding.endswith("le") else codecs.BOM_UTF16_BE
            data = bom + data
        assert parse_issue(data).articles[0].paragraphs[0].text == "第一段。"

    @pytest.mark.parametrize("encoding", ["gb18030", "gbk"])
    def test_gb18030_and_gbk(self, encoding):
        # GBK has no ► character, so a GBK issue credits its reporters in the dateline.
        issue = parse("标题一\n\n本报讯（记者 韩霄鹏）第一段。\n\n济南高新区坚定不移。\n", encoding)
        assert issue.encoding == "gb18030"
        assert issue.articles[0].credits == [Credit("韩霄鹏", "记者")]
        assert [p.text for p in issue.articles[0].paragraphs] == ["第一段。", "济南高新区坚定不移。"]

    def test_crlf_and_cr_line_endings(self):
        for newline in ("\r\n", "\r"):
            issue = parse(FEATURE.replace("\n", newline))
            assert issue.articles[0].credits == [Credit("刘琴")]

    def test_indentation_is_stripped(self):
        issue = parse("  标题一\n\n\u3000\u3000► 刘琴\n\n\u00a0\u3000第一段。\n")
        assert issue.articles[0].headline == "标题一"
        assert issue.articles[0].paragraphs[0].text == "第一段。"

    def test_undecodable_bytes_are_refused_with_line(self):
        with pytest.raises(ParseError, match="无法识别文件编码") as e:
            parse_issue("标题一\n\n".encode() + b"\x80\x80abc\n")
        assert e.value.line == 3

    def test_binary_is_refused(self):
        with pytest.raises(ParseError, match="不是文本文件"):
            parse_issue(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR")


class TestPageBreaks:
    def test_sentence_split_by_blank_lines_is_rejoined(self):
        issue = parse("标题一\n\n► 刘琴\n\n这款产品主要应用在手机、智能手表、精密仪器等电子产品中，有望\n\n\n\n成为新增长点。\n")
        assert [p.text for p in issue.articles[0].paragraphs] == [
            "这款产品主要应用在手机、智能手表、精密仪器等电子产品中，有望成为新增长点。"
        ]

    def test_latin_words_are_rejoined_with_a_space(self):
        assert join_fragments("the small", "interfering RNA") == "the small interfering RNA"
        assert join_fragments("BPR-3022", "1616") == "BPR-30221616"
        assert join_fragments("年度计", "划投资") == "年度计划投资"

    def test_short_fragment_after_unfinished_sentence_is_rejoined(self):
        issue = parse("标题一\n\n► 刘琴\n\n第一段很长很长很长，说到一半没有说完的时候遇到了分页符号，接着\n\n下一页继续\n\n说完了。\n")
        assert [p.text for p in issue.articles[0].paragraphs] == [
            "第一段很长很长很长，说到一半没有说完的时候遇到了分页符号，接着下一页继续说完了。"
        ]

    def test_form_feed_counts_as_a_page_break(self):
        issue = parse("标题一\n\n► 刘琴\n\n正式打响项目建设坚实的“第一锤”，也标志着一座高\n\f\n品质学校。\n")
        assert issue.articles[0].paragraphs[0].text == "正式打响项目建设坚实的“第一锤”，也标志着一座高品质学校。"

    @pytest.mark.parametrize("end", ["。", "！", "？", "!", "?", "…", "；", "：", "。”", "？」", "……"])
    def test_sentence_ends_are_not_joined(self, end):
        issue = parse(f"标题一\n\n► 刘琴\n\n第一段{end}\n\n第二段。\n")
        assert len(issue.articles[0].paragraphs) == 2

    def test_wrapped_lines_of_one_paragraph_are_joined(self):
        issue = parse("标题一\n\n► 刘琴\n\n这是一个段落，它被\n硬换行成了\n三行。\n")
        assert issue.articles[0].paragraphs[0].text == "这是一个段落，它被硬换行成了三行。"


class TestHeadlines:
    def test_headline_and_subheadline_in_one_block(self):
        article = parse("主标题\n这是副题\n\n► 刘琴\n\n第一段。\n").articles[0]
        assert (article.headline, article.subheadline, article.kicker) == ("主标题", "这是副题", "")

    def test_kicker_headline_and_subheadline(self):
        article = parse("引题在上\n主标题\n副题在下\n\n► 刘琴\n\n第一段。\n").articles[0]
        assert (article.kicker, article.headline, article.subheadline) == ("引题在上", "主标题", "副题在下")

    def test_subheadline_on_its_own_line(self):
        article = parse("主标题\n\n这是副题\n\n► 刘琴\n\n第一段。\n").articles[0]
        assert (article.headline, article.subheadline) == ("主标题", "这是副题")

    def test_second_article_starts_at_short_line_before_a_byline(self):
        issue = parse("标题一\n\n► 刘琴\n\n第一段。\n\n标题二\n\n► 韩霄鹏\n\n第二篇第一段。\n")
        assert [a.headline for a in issue.articles] == ["标题一", "标题二"]
        assert [len(a.paragraphs) for a in issue.articles] == [1, 1]

    def test_second_article_starts_at_short_line_before_a_dateline(self):
        issue = parse("标题一\n\n► 刘琴\n\n第一段。\n\n标题二\n\n本报讯 正文第一段。\n")
        assert [a.headline for a in issue.articles] == ["标题一", "标题二"]
        assert issue.articles[1].dateline == "本报讯"

    def test_headline_may_end_with_a_question_mark(self):
        issue = parse("标题一\n\n► 刘琴\n\n第一段。\n\n高新区如何破局？\n\n► 张三\n\n第一段。\n")
        assert [a.headline for a in issue.articles] == ["标题一", "高新区如何破局？"]


class TestBylines:
    def test_byline_without_role_is_author(self):
        assert parse("标题\n\n► 刘琴\n\n正文。\n").articles[0].credits == [Credit("刘琴", "作者")]

    @pytest.mark.parametrize("mark", ["►", "▶"])
    def test_both_marks_and_separators(self, mark):
        article = parse(f"标题\n\n{mark} 张三、李四，王五 赵六\n\n正文。\n").articles[0]
        assert [c.name for c in article.credits] == ["张三", "李四", "王五", "赵六"]

    def test_role_prefix_applies_to_the_names_after_it(self):
        assert parse_credits("本报记者 张三 李四 通讯员 王五") == [
            Credit("张三", "记者"),
            Credit("李四", "记者"),
            Credit("王五", "通讯员"),
        ]

    def test_role_glued_to_the_name(self):
        assert parse_credits("记者张三 通讯员李四") == [Credit("张三", "记者"), Credit("李四", "通讯员")]


class TestDatelines:
    def test_plain_dateline(self):
        article = parse("标题\n\n本报讯 作为济南市对外开放的主阵地。\n").articles[0]
        assert article.dateline == "本报讯"
        assert article.paragraphs[0].text == "作为济南市对外开放的主阵地。"

    @pytest.mark.parametrize("paren", [("（", "）"), ("(", ")")])
    def test_dateline_with_reporters(self, paren):
        left, right = paren
        article = parse(f"标题\n\n本报讯{left}记者 张三 通讯员 李四{right}近日，正文开始。\n").articles[0]
        assert article.dateline == "本报讯"
        assert article.credits == [Credit("张三", "记者"), Credit("李四", "通讯员")]
        assert article.paragraphs[0].text == "近日，正文开始。"

    def test_dateline_with_place(self):
        article = parse("标题\n\n本报北京1月10日讯 正文。\n").articles[0]
        assert article.dateline == "本报北京1月10日讯"
        assert article.paragraphs[0].text == "正文。"


class TestSectionHeadings:
    def test_two_line_heading_with_subtitle(self):
        article = parse("标题\n\n► 刘琴\n\n导语。\n\n“新”潮涌动\n增强创新发展新动能\n\n正文。\n").articles[0]
        assert article.blocks[1].as_dict() == {"type": "heading", "text": "“新”潮涌动", "subtitle": "增强创新发展新动能"}
        assert len(article.paragraphs) == 2

    def test_one_line_heading(self):
        article = parse("标题\n\n► 刘琴\n\n导语。\n\n小标题\n\n正文。\n").articles[0]
        assert article.blocks[1].as_dict() == {"type": "heading", "text": "小标题", "subtitle": ""}


class TestTrailingBylines:
    def test_names_after_the_last_sentence(self):
        article = parse("标题\n\n本报讯 正文第一句。\n\n最后一段走在前列。 韩霄鹏\n").articles[0]
        assert article.paragraphs[-1].text == "最后一段走在前列。"
        assert article.credits == [Credit("韩霄鹏")]

    def test_several_names_with_roles(self):
        article = parse("标题\n\n本报讯 正文走在前列。\u3000记者 张三 通讯员 李四\n").articles[0]
        assert article.credits == [Credit("张三", "记者"), Credit("李四", "通讯员")]
        assert article.paragraphs[0].text == "正文走在前列。"

    def test_parenthesised_trailing_credit(self):
        article = parse("标题\n\n本报讯 正文走在前列。（记者 张三）\n").articles[0]
        assert article.credits == [Credit("张三", "记者")]
        assert article.paragraphs[0].text == "正文走在前列。"

    def test_trailing_byline_does_not_swallow_the_next_article(self):
        issue = parse("标题一\n\n本报讯 正文。 韩霄鹏\n\n标题二\n\n► 刘琴\n\n正文。\n")
        assert [a.headline for a in issue.articles] == ["标题一", "标题二"]
        assert issue.articles[0].credits == [Credit("韩霄鹏")]

    def test_names_on_a_line_of_their_own_at_the_end(self):
        article = parse("标题\n\n本报讯 正文。\n\n韩霄鹏\n").articles[0]
        assert article.credits == [Credit("韩霄鹏")]
        assert len(article.blocks) == 1


class TestPunctuation:
    def test_ascii_punctuation_next_to_han_becomes_full_width(self):
        assert normalize_punctuation("新年伊始,国家;如下:好吗?好!(南通)") == "新年伊始，国家；如下：好吗？好！（南通）"

    def test_latin_decimals_and_codes_are_kept(self):
        text = "达3.6亿元,BPR-30221616注射液(siRNA)药物 in English: yes (really)."
        assert normalize_punctuation(text) == "达3.6亿元，BPR-30221616注射液（siRNA）药物 in English: yes (really)."

    def test_times_between_digits_are_kept(self):
        assert normalize_punctuation("上午9:58开始") == "上午9:58开始"


class TestBadInput:
    def test_empty(self):
        with pytest.raises(ParseError, match="文件是空的"):
            parse_issue(b"")

    def test_blank(self):
        with pytest.raises(ParseError, match="只有空白"):
            parse_issue("  \n\u3000\n\r\n".encode())

    def test_headline_without_body_names_its_line(self):
        with pytest.raises(ParseError) as e:
            parse("标题一\n\n► 刘琴\n\n第一段。\n\n标题二\n\n► 韩霄鹏\n")
        assert e.value.line == 7
        assert "标题二" in e.value.message

    def test_file_must_start_with_a_headline(self):
        with pytest.raises(ParseError, match="应以标题开头") as e:
            parse("\n\n这是一个很长的段落而不是标题，它以句号结束，所以不可能是标题。\n")
        assert e.value.line == 3

    def test_too_large(self):
        with pytest.raises(ParseError, match="文件过大"):
            parse_issue(FEATURE.encode() * 10, max_bytes=100)


class TestMoreCreditForms:
    def test_dateline_with_names_only(self):
        article = parse("标题\n\n本报讯（张三 李四）近日，正文开始。\n").articles[0]
        assert article.credits == [Credit("张三"), Credit("李四")]
        assert article.paragraphs[0].text == "近日，正文开始。"

    def test_dateline_parenthesis_that_is_not_a_credit_stays_in_the_text(self):
        article = parse("标题\n\n本报讯（2025年1月）正文。\n").articles[0]
        assert article.credits == []
        assert article.paragraphs[0].text == "（2025年1月）正文。"

    def test_trailing_names_after_a_no_break_space(self):
        article = parse("标题\n\n本报讯 正文。\u00a0韩霄鹏\n").articles[0]
        assert article.credits == [Credit("韩霄鹏")]


class TestHostileText:
    def test_markup_and_template_syntax_are_kept_as_text(self):
        issue = parse(
            '<script>alert("x")</script>{{ request.user }}标题{% debug %}\n\n► 张三\n\n'
            "本报讯 正文里有<img src=x onerror=alert(1)>和{{ settings.SECRET_KEY }}。\n\n"
            "新闻<b>标题</b>二{{ x }}<script>alert(2)</script>很长很长很长很长很长很长很长很长很长很长\n\n► 李四\n\n第二篇。\n"
        )
        assert [a.headline for a in issue.articles] == [
            '<script>alert("x")</script>{{ request.user }}标题{% debug %}',
            "新闻<b>标题</b>二{{ x }}<script>alert(2)</script>很长很长很长很长很长很长很长很长很长很长",
        ]
        assert issue.articles[0].paragraphs[0].text == "正文里有<img src=x onerror=alert(1)>和{{ settings.SECRET_KEY }}。"


class TestReviewedLayouts:
    """Layouts found by review, each once misread."""

    def test_last_paragraph_with_trailing_names_is_not_the_next_headline(self):
        issue = parse("标题一\n\n► 刘琴\n\n第一段正文。\n\n园区将继续深化改革，努力走在前列。 赵敏\n\n标题二\n\n本报讯 第二篇正文。\n")
        assert [(a.headline, a.subheadline) for a in issue.articles] == [("标题一", ""), ("标题二", "")]
        assert issue.articles[0].credits == [Credit("刘琴"), Credit("赵敏")]
        assert issue.articles[0].paragraphs[-1].text == "园区将继续深化改革，努力走在前列。"

    @pytest.mark.parametrize("last", ["大家加油干！", "处处涌动着新热潮……", "这是为什么？"])
    def test_last_paragraph_ending_a_sentence_is_not_a_headline(self, last):
        issue = parse(f"标题一\n\n► 刘琴\n\n第一段正文。\n\n{last}\n\n标题二\n\n本报讯 第二篇正文。\n")
        assert [a.headline for a in issue.articles] == ["标题一", "标题二"]
        assert issue.articles[0].paragraphs[-1].text == last

    def test_trailing_names_on_the_last_line_of_a_block(self):
        issue = parse("标题一\n\n► 张三\n\n正文第一段。\n\n下一步，园区将走在前列。\n韩霄鹏\n\n标题二\n\n本报讯 正文二。\n")
        assert [a.headline for a in issue.articles] == ["标题一", "标题二"]
        assert issue.articles[0].credits == [Credit("张三"), Credit("韩霄鹏")]

    @pytest.mark.parametrize(
        "text, line, headline",
        [
            ("标题一\n\n► 张三\n\n标题二\n\n► 李四\n\n正文第一段。\n", 1, "标题一"),
            ("标题一\n\n► 张三\n\n正文。\n\n标题二\n\n► 李四\n\n标题三\n\n本报讯 正文第三篇。\n", 7, "标题二"),
        ],
    )
    def test_headline_without_body_before_another_article(self, text, line, headline):
        with pytest.raises(ParseError) as e:
            parse(text)
        assert (e.value.line, e.value.message) == (line, f"标题“{headline}”后面没有正文。")

    @pytest.mark.parametrize(
        "first, second, joined",
        [
            ("园区围绕集成电路、新型显示、", "生物医药等产业布局。", "园区围绕集成电路、新型显示、生物医药等产业布局。"),
            ("截至目前,园区已累计投入资金超过12", "0亿元,带动就业。", "截至目前，园区已累计投入资金超过120亿元，带动就业。"),
            ("研发人员正在调试一台新型mass", "spectrometer,效果很好。", "研发人员正在调试一台新型mass spectrometer，效果很好。"),
        ],
    )
    def test_short_fragments_cut_by_a_page_break_are_not_headings(self, first, second, joined):
        article = parse(f"标题\n\n► 张三\n\n导语。\n\n{first}\n\n{second}\n").articles[0]
        assert [b.text for b in article.blocks] == ["导语。", joined]

    def test_paragraph_starting_with_benbao_is_no_dateline(self):
        article = parse("标题\n\n► 刘琴\n\n本报记者日前从国网电力公司获悉，项目开工。\n").articles[0]
        assert article.dateline == ""
        assert article.paragraphs[0].text == "本报记者日前从国网电力公司获悉，项目开工。"

    def test_dateline_on_a_line_of_its_own(self):
        article = parse("标题一\n\n本报讯（记者 张三）\n\n第一段正文。\n").articles[0]
        assert (article.subheadline, article.dateline, article.credits) == ("", "本报讯", [Credit("张三", "记者")])
        assert [p.text for p in article.paragraphs] == ["第一段正文。"]

    def test_intern_and_padded_names(self):
        assert parse_credits("记者 王晓明 实习生 李娜 记者 王\u3000芳 作者 赵六") == [
            Credit("王晓明", "记者"), Credit("李娜", "作者"), Credit("王芳", "记者"), Credit("赵六", "作者")
        ]

    def test_brackets_convert_as_a_pair_and_spaces_after_marks_go(self):
        assert normalize_punctuation("BPR-30221616(CDE)等, 高新区(Hi-Tech Zone)") == "BPR-30221616（CDE）等，高新区（Hi-Tech Zone）"
        assert normalize_punctuation("园区, 企业, and more") == "园区，企业， and more"

    def test_error_lines_count_lines_of_a_file_with_a_bom(self):
        with pytest.raises(ParseError) as e:
            parse_issue(codecs.BOM_UTF8 + "标题\n\n正文。\n".encode() + "坏行\n".encode("gbk"))
        assert e.value.line == 4
        data = codecs.BOM_UTF16_LE + "上上\n上\n上\n".encode("utf-16-le") + b"\x00\xdc"
        with pytest.raises(ParseError) as e:
            parse_issue(data)
        assert e.value.line == 4

    def test_long_page_broken_paragraph_is_rejoined_whole(self):
        fragment = "园区企业持续加大研发投入，并不断推进关键核心技术攻关和科技成果转化，加快培育新质生产力"
        fragments = "\n\n".join([fragment] * 20000)
        article = parse(f"标题\n\n► 张三\n\n{fragments}。\n").articles[0]
        assert len(article.blocks) == 1 and article.paragraphs[0].text == fragment * 20000 + "。"


class TestCharacters:
    """Valid UTF-8 or UTF-16 holding a character that has no place in text: named with where it is."""

    @pytest.mark.parametrize(
        "char, message",
        [
            ("\ue000", "含有私用区字符 U+E000，读者的设备无法显示。"),
            ("\U000f0001", "含有私用区字符 U+F0001，读者的设备无法显示。"),
            ("\x1b", "含有控制字符 U+001B，正常的文本里没有这种字符。"),
            ("\x85", "含有控制字符 U+0085，正常的文本里没有这种字符。"),
            ("\ufffe", "含有非字符 U+FFFE，它不能用在文本里。"),
            ("\ufdd0", "含有非字符 U+FDD0，它不能用在文本里。"),
        ],
        ids=["private-use", "private-use-plane-15", "escape", "c1-control", "fffe", "fdd0"],
    )
    def test_refused_with_line_column_and_code_point(self, char, message):
        with pytest.raises(ParseError) as e:
            parse(f"标题\r\n\r\n► 张三\r\n\r\n正文{char}。\r\n")
        assert (e.value.message, e.value.line, e.value.column) == (message, 5, 3)

    def test_utf16_is_checked_the_same_way(self):
        with pytest.raises(ParseError) as e:
            parse("标题\n\n► 张三\n\n\ue000正文。\n", "utf-16")
        assert (e.value.message, e.value.line, e.value.column) == ("含有私用区字符 U+E000，读者的设备无法显示。", 5, 1)

    def test_characters_newer_than_pythons_tables_are_kept(self):
        # U+1FAE8 (Unicode 15) is unassigned in Python 3.11's tables, yet it is a character.
        issue = parse("标题\n\n► 张三\n\n园区吉祥物\U0001fae8。\n")
        assert issue.articles[0].paragraphs[0].text == "园区吉祥物\U0001fae8。"

    def test_gb18030_junk_is_still_undecodable(self):
        # 0xFE 0xFE is valid GB18030 for a private-use character: in such a file, junk.
        with pytest.raises(ParseError) as e:
            parse_issue("标题\n\n".encode("gb18030") + b"\xfe\xfe\n")
        assert (e.value.message, e.value.line, e.value.column) == (
            "无法识别文件编码：只支持 UTF-8（可带 BOM）、带 BOM 的 UTF-16 和 GB18030/GBK。", 3, None
        )


class TestInvisibleText:
    """Headlines, headings and names that would show nothing are refused with their line."""

    @pytest.mark.parametrize(
        "text, line, message",
        [
            ("\u202e\n\n► 张三\n\n正文。\n", 1, "标题只由看不见的字符组成（U+202E），读者看到的是空白。"),
            ("\u200b\n主标题\n副题\n\n► 张三\n\n正文。\n", 1, "引题只由看不见的字符组成（U+200B），读者看到的是空白。"),
            ("引题\n\ufe0f\u2060\n副题\n\n► 张三\n\n正文。\n", 2, "标题只由看不见的字符组成（U+FE0F U+2060），读者看到的是空白。"),
            ("标题\n\n\u2060\n\n► 张三\n\n正文。\n", 3, "副题只由看不见的字符组成（U+2060），读者看到的是空白。"),
            ("标题\n\n► 张三\n\n第一段。\n\n\u200b\u200b\n\n第二段。\n", 7, "小标题只由看不见的字符组成（U+200B），读者看到的是空白。"),
            ("标题\n\n► 张三\n\n第一段。\n\n小标题\n\u202d\n\n第二段。\n", 8, "小标题的副题只由看不见的字符组成（U+202D），读者看到的是空白。"),
        ],
        ids=["headline", "kicker", "headline-of-three", "subheadline", "heading", "heading-subtitle"],
    )
    def test_refused(self, text, line, message):
        with pytest.raises(ParseError) as e:
            parse(text)
        assert (e.value.message, e.value.line) == (message, line)

    def test_headline_with_visible_text_is_kept_as_typed(self):
        assert parse("标\u200b题\n\n► 张三\n\n正文。\n").articles[0].headline == "标\u200b题"

    def test_name_of_only_invisible_characters_is_refused(self):
        # The U+202E beside visible text on that line is removed first (with a warning).
        with pytest.raises(ParseError) as e:
            parse("标题\n\n► 张三 \u200b\u202e\n\n正文。\n")
        assert (e.value.message, e.value.line) == ("署名中有一个名字只由看不见的字符组成（U+200B）。", 3)

    @pytest.mark.parametrize(
        "text",
        [
            "标题\n\n► 张\u200b三丰\n\n正文。\n",
            "标题\n\n本报讯（张\u200b三丰）正文。\n",
            "标题\n\n► 李四\n\n园区将继续深化改革，努力走在前列。 张\u200b三丰\n",
        ],
        ids=["byline", "dateline", "trailing"],
    )
    def test_zero_width_characters_leave_names(self, text):
        article = parse(text).articles[0]
        assert "张三丰" in [c.name for c in article.credits]
        assert "三丰" not in article.paragraphs[-1].text


class TestLongCreditLists:
    """Lists of credits that do not end as one: each used to retry every role/name split (2**n)."""

    def test_in_the_last_line_of_a_block(self, deadline):
        credits = "记者张三 " * 60
        with deadline(30):
            article = parse(f"标题\n\n► 李四\n\n园区发展很好。\n{credits}。\n").articles[0]
        assert article.paragraphs[0].text == f"园区发展很好。{credits}。"

    def test_in_a_dateline(self, deadline):
        credits = "记者张三 " * 60
        with deadline(30):
            article = parse(f"标题\n\n► 李四\n\n本报讯（{credits}正文。\n").articles[0]
        assert article.dateline == "本报讯"

    def test_a_long_credit_list_still_reads(self):
        names = "、".join(["张三", "李四", "王五"] * 3)
        article = parse(f"标题\n\n本报讯（记者 {names} 通讯员 赵六）正文。\n").articles[0]
        assert [c.name for c in article.credits] == ["张三", "李四", "王五", "赵六"]


class TestBidiControls:
    def test_bidi_controls_beside_visible_text_are_removed_with_a_warning(self):
        issue = parse("标题\u202e一\n\n► 刘琴\n\n第一\u2066段\u2069。\n")
        article = issue.articles[0]
        assert (article.headline, article.paragraphs[0].text) == ("标题一", "第一段。")
        assert issue.warnings == [
            (1, "删除了 {count} 个双向文字控制符（{codes}），它们会让文字倒着显示。", {"count": 1, "codes": "U+202E"}),
            (5, "删除了 {count} 个双向文字控制符（{codes}），它们会让文字倒着显示。", {"count": 2, "codes": "U+2066 U+2069"}),
        ]

    def test_a_headline_of_only_a_bidi_control_is_still_refused(self):
        with pytest.raises(ParseError) as caught:
            parse("\u202e\n\n► 刘琴\n\n第一段。\n")
        assert caught.value.line == 1
