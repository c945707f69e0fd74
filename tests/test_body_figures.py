"""Figure blocks in an article body: written as the one figure markup, read back as what they say."""
from articles.body import blocks_text, blocks_to_html, html_to_blocks
from articles.revisions.diff import body_paragraphs

FIGURE = {
    "type": "figure",
    "image": 42,
    "src": "/media/images/ab/abcdef.jpg",
    "alt": "替代文字",
    "width": 1600,
    "height": 1067,
    "caption": "说明文字",
    "credit": "张三",
}
MARKUP = (
    '<figure data-image="42"><img src="/media/images/ab/abcdef.jpg" alt="替代文字" width="1600" height="1067">'
    "<figcaption>说明文字<small>摄影 张三</small></figcaption></figure>"
)


class TestFigureToHtml:
    def test_a_figure_with_caption_and_credit(self):
        assert blocks_to_html([FIGURE]) == MARKUP

    def test_no_small_without_a_credit(self):
        assert blocks_to_html([{**FIGURE, "credit": ""}]) == MARKUP.replace("<small>摄影 张三</small>", "")

    def test_no_figcaption_without_caption_or_credit(self):
        html = blocks_to_html([{**FIGURE, "caption": "", "credit": ""}])
        assert html == MARKUP.replace("<figcaption>说明文字<small>摄影 张三</small></figcaption>", "")

    def test_text_and_attributes_are_escaped(self):
        html = blocks_to_html([{**FIGURE, "alt": '"><script>', "caption": "<b>说明</b>", "credit": "张&三"}])
        assert html == (
            '<figure data-image="42"><img src="/media/images/ab/abcdef.jpg" alt="&quot;&gt;&lt;script&gt;" width="1600"'
            ' height="1067"><figcaption>&lt;b&gt;说明&lt;/b&gt;<small>摄影 张&amp;三</small></figcaption></figure>'
        )

    def test_figures_sit_between_paragraphs_in_order(self):
        html = blocks_to_html([{"type": "paragraph", "text": "甲。"}, FIGURE, {"type": "paragraph", "text": "乙。"}])
        assert html == f"<p>甲。</p>\n{MARKUP}\n<p>乙。</p>"


class TestFigureFromHtml:
    def test_a_figure_reads_back_as_image_caption_and_credit(self):
        assert html_to_blocks(f"<p>甲。</p>{MARKUP}<p>乙。</p>") == [
            {"type": "paragraph", "text": "甲。"},
            {"type": "figure", "image": 42, "caption": "说明文字", "credit": "张三"},
            {"type": "paragraph", "text": "乙。"},
        ]

    def test_the_storage_url_is_not_part_of_the_block(self):
        moved = MARKUP.replace("/media/images/ab/abcdef.jpg", "https://cdn.example/x.jpg?sig=1")
        assert html_to_blocks(moved) == html_to_blocks(MARKUP)

    def test_a_figure_without_figcaption(self):
        assert html_to_blocks('<figure data-image="7"><img src="/a.jpg" alt="a" width="1" height="1"></figure>') == [
            {"type": "figure", "image": 7, "caption": "", "credit": ""}
        ]

    def test_a_figure_without_a_number_has_no_image(self):
        assert html_to_blocks('<figure data-image="x7"><figcaption>说明</figcaption></figure>') == [
            {"type": "figure", "image": None, "caption": "说明", "credit": ""}
        ]

    def test_round_trip_of_the_block(self):
        block = {key: FIGURE[key] for key in ("type", "image", "caption", "credit")}
        assert html_to_blocks(blocks_to_html([FIGURE])) == [block]

    def test_a_figure_is_no_text(self):
        assert blocks_text(html_to_blocks(f"<p>甲。</p>{MARKUP}<h2>乙</h2>")) == "甲。\n乙"

    def test_a_heading_subtitle_after_a_figure_is_its_own_heading(self):
        assert html_to_blocks(f"<h2>甲</h2>{MARKUP}<h3>乙</h3>")[2] == {"type": "heading", "text": "乙", "subtitle": ""}

    def test_a_credit_without_the_label_is_read_as_is(self):
        body = MARKUP.replace("<small>摄影 张三</small>", "<small>新华社</small>")
        assert html_to_blocks(body)[0]["credit"] == "新华社"


class TestFigureInRevisionDiff:
    def test_a_figure_is_a_line_of_the_body_diff_naming_its_picture(self):
        assert body_paragraphs(f"<p>甲。</p>{MARKUP}") == ["甲。", "【图片 42】说明文字"]
