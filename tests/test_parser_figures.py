"""Image lines in the issue text format, read by the pure parser (no database)."""
import pytest

from newsroom.importing.parser import Block, ParseError, parse_issue

HEAD = "标题一\n\n► 刘琴\n\n第一段。\n\n"


def parse(text: str):
    return parse_issue(text.encode())


def figures(text: str) -> list[Block]:
    return parse(HEAD + text).articles[0].figures


def refusal(text: str) -> ParseError:
    with pytest.raises(ParseError) as error:
        parse(text)
    return error.value


class TestImageLine:
    def test_a_figure_with_caption_and_credit(self):
        assert figures("[图：plant.jpg 园区全景（摄影 张三）]\n") == [
            Block("figure", "园区全景", file="plant.jpg", credit="张三", line=7)
        ]

    def test_a_figure_without_credit(self):
        assert figures("[图：plant.jpg 园区全景]\n") == [Block("figure", "园区全景", file="plant.jpg", line=7)]

    def test_half_width_colon_and_brackets(self):
        assert figures("[图:plant.jpg 园区全景(摄影 张三)]\n") == [
            Block("figure", "园区全景", file="plant.jpg", credit="张三", line=7)
        ]

    def test_chinese_square_brackets(self):
        assert figures("【图：plant.jpg 园区全景（摄影：张三）】\n") == [
            Block("figure", "园区全景", file="plant.jpg", credit="张三", line=7)
        ]

    def test_credit_written_as_name_then_she(self):
        assert figures("[图：plant.jpg 签约仪式现场（本报记者 张三 摄）]\n")[0].credit == "本报记者 张三"

    def test_a_parenthesis_that_is_no_credit_stays_in_the_caption(self):
        assert figures("[图：plant.jpg 园区全景（资料图）]\n")[0].text == "园区全景（资料图）"

    def test_a_caption_with_spaces_is_kept_whole(self):
        figure = figures("[图：\u3000plant.jpg\u3000\u3000中关村 科学城 一角 ]\n")[0]
        assert (figure.file, figure.text) == ("plant.jpg", "中关村 科学城 一角")

    def test_the_caption_gets_the_punctuation_rule(self):
        assert figures("[图：plant.jpg 园区全景,东区]\n")[0].text == "园区全景，东区"

    def test_figures_stay_in_body_order_with_their_lines(self):
        article = parse(HEAD + "[图：a.jpg 甲图]\n\n第二段。\n\n小标题\n\n[图：b.png 乙图]\n\n第三段。\n").articles[0]
        assert [b.as_dict() for b in article.blocks] == [
            {"type": "paragraph", "text": "第一段。"},
            {"type": "figure", "file": "a.jpg", "caption": "甲图", "credit": ""},
            {"type": "paragraph", "text": "第二段。"},
            {"type": "heading", "text": "小标题", "subtitle": ""},
            {"type": "figure", "file": "b.png", "caption": "乙图", "credit": ""},
            {"type": "paragraph", "text": "第三段。"},
        ]
        assert [f.line for f in article.figures] == [7, 13]

    def test_an_image_line_inside_a_block_is_a_block_of_its_own(self):
        article = parse("标题一\n\n► 刘琴\n\n第一段。\n[图：a.jpg 甲图]\n第二段。\n").articles[0]
        assert [(b.type, b.text) for b in article.blocks] == [("paragraph", "第一段。"), ("figure", "甲图"), ("paragraph", "第二段。")]

    def test_a_figure_after_the_body_does_not_take_the_next_headline(self):
        issue = parse(HEAD + "[图：a.jpg 甲图]\n\n标题二\n\n► 李四\n\n正文。\n")
        assert [a.headline for a in issue.articles] == ["标题一", "标题二"]
        assert [b.type for b in issue.articles[0].blocks] == ["paragraph", "figure"]

    def test_a_short_caption_line_is_never_a_subheadline(self):
        # A one-line headline, a short line and a byline would make the short line a 副题.
        issue = parse(HEAD + "标题二\n\n[图：a.jpg 甲图]\n\n► 李四\n\n正文。\n")
        assert [a.headline for a in issue.articles] == ["标题一"]

    def test_a_figure_right_after_the_byline_is_the_first_block(self):
        article = parse("标题一\n\n► 刘琴\n\n[图：a.jpg 甲图]\n\n第一段。\n").articles[0]
        assert [b.type for b in article.blocks] == ["figure", "paragraph"]

    def test_a_figure_after_a_dateline_line(self):
        article = parse("标题一\n\n本报讯（记者 张三）\n\n[图：a.jpg 甲图]\n\n第一段。\n").articles[0]
        assert (article.dateline, [b.type for b in article.blocks]) == ("本报讯", ["figure", "paragraph"])

    def test_a_dateline_after_a_leading_figure_is_still_the_dateline(self):
        article = parse("标题一\n\n► 刘琴\n\n[图：a.jpg 甲图]\n\n本报讯（记者 张三）第一段。\n").articles[0]
        assert (article.dateline, [c.name for c in article.credits]) == ("本报讯", ["刘琴", "张三"])
        assert [b.text for b in article.blocks] == ["甲图", "第一段。"]

    def test_a_figure_alone_is_no_body(self):
        error = refusal("标题一\n\n► 刘琴\n\n[图：a.jpg 甲图]\n")
        assert (error.message, error.line) == ("标题“标题一”后面没有正文。", 1)

    def test_a_figure_closes_a_paragraph_cut_by_a_page_break(self):
        article = parse("标题一\n\n► 刘琴\n\n园区企业持续加大研发投入\n\n[图：a.jpg 甲图]\n\n并不断推进。\n").articles[0]
        assert [b.text for b in article.blocks] == ["园区企业持续加大研发投入", "甲图", "并不断推进。"]


class TestImageLineErrors:
    @pytest.mark.parametrize(
        "name", ["../secret.jpg", "/etc/passwd", "photos/a.jpg", "C:\\photos\\a.jpg", "..", "a..jpg", "."]
    )
    def test_a_name_with_a_path_is_refused(self, name):
        error = refusal(HEAD + f"[图：{name} 说明]\n")
        expected = f"图片文件名“{name}”不能含路径：只写图片目录里的文件名，不能有 /、\\ 或 ..。"
        assert (error.message, error.line) == (expected, 7)

    def test_a_figure_without_caption_is_refused(self):
        error = refusal(HEAD + "[图：plant.jpg]\n")
        assert (error.message, error.line) == ("图片 plant.jpg 没有说明文字；说明文字也是图片的替代文字，不能省略。", 7)

    def test_a_credit_is_no_caption(self):
        error = refusal(HEAD + "[图：plant.jpg （摄影 张三）]\n")
        assert (error.message, error.line) == ("图片 plant.jpg 没有说明文字；说明文字也是图片的替代文字，不能省略。", 7)

    def test_a_figure_without_file_name_is_refused(self):
        error = refusal(HEAD + "[图：]\n")
        assert (error.message, error.line) == ("图片行没有文件名：应写成 [图：文件名 说明文字（摄影 姓名）]。", 7)

    def test_an_unclosed_image_line_is_refused(self):
        error = refusal(HEAD + "[图：plant.jpg 园区全景\n")
        assert (error.message, error.line) == ("图片行没有结尾的“]”：应写成 [图：文件名 说明文字（摄影 姓名）]。", 7)

    def test_an_invisible_caption_is_refused(self):
        error = refusal(HEAD + "[图：plant.jpg \u200b\u200b]\n")
        assert (error.message, error.line) == ("图片 plant.jpg 没有说明文字；说明文字也是图片的替代文字，不能省略。", 7)

    def test_a_file_starting_with_a_figure_is_refused(self):
        error = refusal("[图：plant.jpg 园区全景]\n\n标题一\n\n► 刘琴\n\n第一段。\n")
        assert (error.message, error.line) == ("图片行必须放在文章的标题和署名之后。", 1)

    def test_a_figure_between_headline_and_byline_is_refused(self):
        error = refusal("标题一\n\n[图：plant.jpg 园区全景]\n\n► 刘琴\n\n第一段。\n")
        assert (error.message, error.line) == ("图片行必须放在文章的标题和署名之后。", 3)

    def test_a_line_that_only_mentions_a_figure_is_text(self):
        article = parse(HEAD + "如[图：甲]所示，园区扩大。\n").articles[0]
        assert [b.type for b in article.blocks] == ["paragraph", "paragraph"]
