"""The one sanitizer keeps figures of library images in exactly one shape, and nothing else of them."""
import pytest

from articles.body import (
    body_text,
    credit_line,
    figure_html,
    figure_ids,
    sanitize_html,
    summary_text,
)
from newsroom.admin.article_forms import body_field

FIGURE = (
    '<figure data-image="42"><img src="/media/images/ab/abcdef.jpg" alt="替代文字" width="1600" height="1067">'
    "<figcaption>说明文字<small>摄影 张三</small></figcaption></figure>"
)
BARE = '<figure data-image="42"><img src="/media/images/ab/abcdef.jpg" alt="替代文字"></figure>'

# (hostile or malformed input, exactly what must survive of it)
HOSTILE = [
    # An img anywhere but in a figure is dropped, with whatever it carried.
    ('<p>前<img src="/media/a.jpg" alt="图">后</p>', "<p>前后</p>"),
    ('<img src="/media/a.jpg" onerror="alert(1)">', ""),
    # Attributes other than the four of the img and the data-image of the figure go.
    (FIGURE.replace("<img ", '<img onerror="alert(1)" onload="alert(2)" '), FIGURE),
    (FIGURE.replace("<figure ", '<figure class="wide" style="float:left" id="f1" onclick="alert(1)" '), FIGURE),
    (FIGURE.replace("<img ", '<img class="x" style="width:1px" id="i" srcset="/evil.jpg 2x" loading="eager" '), FIGURE),
    (FIGURE.replace("<figcaption>", '<figcaption class="c" style="color:red">'), FIGURE),
    (FIGURE.replace("<small>", '<small class="s" title="t">'), FIGURE),
    # Only an http(s) URL or a path is a picture; without one the figure goes whole.
    (FIGURE.replace("/media/images/ab/abcdef.jpg", "javascript:alert(1)"), ""),
    (FIGURE.replace("/media/images/ab/abcdef.jpg", "JaVaScRiPt:alert(1)"), ""),
    (FIGURE.replace("/media/images/ab/abcdef.jpg", "data:image/png;base64,iVBORw0KGgo="), ""),
    (FIGURE.replace("/media/images/ab/abcdef.jpg", "mailto:someone@example.com"), ""),
    (FIGURE.replace("/media/images/ab/abcdef.jpg", "//evil.example/x.jpg"), ""),
    (FIGURE.replace("/media/images/ab/abcdef.jpg", ""), ""),
    # The figure must name a library image by a positive number.
    (FIGURE.replace('data-image="42"', 'data-image="4x"'), ""),
    (FIGURE.replace('data-image="42"', 'data-image="-3"'), ""),
    (FIGURE.replace('data-image="42"', 'data-image="0"'), ""),
    (FIGURE.replace('data-image="42"', 'data-image=""'), ""),
    (FIGURE.replace('data-image="42"', 'data-image="４２"'), ""),
    (FIGURE.replace(' data-image="42"', ""), ""),
    # A figure without an image is nothing.
    ('<figure data-image="42"><figcaption>说明文字<small>摄影 张三</small></figcaption></figure>', ""),
    # A figure inside a figure is dropped with all it holds; the outer one keeps its own image.
    (
        '<figure data-image="1"><figure data-image="2"><img src="/media/two.jpg" alt="二"></figure>'
        '<img src="/media/one.jpg" alt="一"></figure>',
        '<figure data-image="1"><img src="/media/one.jpg" alt="一"></figure>',
    ),
    ('<figure data-image="1"><figure data-image="2"><img src="/media/two.jpg" alt="二"></figure></figure>', ""),
    # One image per figure: a second one is dropped.
    (BARE.replace("</figure>", '<img src="/media/second.jpg" alt="二"></figure>'), BARE),
    # A caption is text and a credit: links, bold and stray text inside the figure go.
    (
        '<figure data-image="42"><img src="/media/images/ab/abcdef.jpg" alt="替代文字">'
        '<figcaption><a href="https://example.com/">说明</a><strong>文字</strong><small>摄影 <b>张三</b></small>'
        "</figcaption>图外的字</figure>",
        '<figure data-image="42"><img src="/media/images/ab/abcdef.jpg" alt="替代文字">'
        "<figcaption>说明文字<small>摄影 张三</small></figcaption></figure>",
    ),
    # figcaption only in a figure, small only in a figcaption: elsewhere only their text stays.
    ("<p>说明<small>小字</small></p>", "<p>说明小字</p>"),
    ("<blockquote><figcaption>孤立的说明</figcaption></blockquote>", "<blockquote>孤立的说明</blockquote>"),
    (BARE.replace("</figure>", "<small>图外小字</small></figure>"), BARE),
    # Width and height are positive numbers, or left out.
    (
        FIGURE.replace('width="1600"', 'width="100%"').replace('height="1067"', 'height="-1"'),
        FIGURE.replace(' width="1600" height="1067"', ""),
    ),
    # Escaped text stays escaped; a quote in the alt text cannot end the attribute.
    (
        '<figure data-image="7"><img src="/m.jpg" alt="“甲”&quot; onerror=&quot;alert(1)">'
        "<figcaption>甲 &amp; 乙 &lt;script&gt;</figcaption></figure>",
        '<figure data-image="7"><img src="/m.jpg" alt="“甲”&quot; onerror=&quot;alert(1)">'
        "<figcaption>甲 &amp; 乙 &lt;script&gt;</figcaption></figure>",
    ),
    # A script inside a caption is dropped whole, as anywhere else.
    (FIGURE.replace("说明文字", "说明<script>alert(1)</script>文字"), FIGURE),
]


class TestFigureMarkup:
    def test_the_figure_of_the_design_survives_unchanged(self):
        assert sanitize_html(FIGURE) == FIGURE

    def test_a_figure_between_paragraphs_survives(self):
        body = f"<p>前文。</p>{FIGURE}<p>后文。</p>"
        assert sanitize_html(body) == body

    def test_a_figure_inside_a_paragraph_is_moved_out_of_it(self):
        """A paragraph cannot hold a figure: the HTML parser closes it, as a browser does."""
        assert sanitize_html(f"<p>前{FIGURE}后</p>") == f"<p>前</p>{FIGURE}后<p></p>"

    def test_caption_without_credit(self):
        figure = FIGURE.replace("<small>摄影 张三</small>", "")
        assert sanitize_html(figure) == figure

    def test_credit_without_caption(self):
        figure = FIGURE.replace("说明文字", "")
        assert sanitize_html(figure) == figure

    def test_an_empty_caption_is_left_out(self):
        assert sanitize_html(BARE.replace("</figure>", "<figcaption> <small> </small></figcaption></figure>")) == BARE

    def test_a_full_url_is_allowed(self):
        figure = FIGURE.replace("/media/images/ab/abcdef.jpg", "https://media.example.com/images/ab/abcdef.jpg")
        assert sanitize_html(figure) == figure

    @pytest.mark.parametrize(("hostile", "inert"), HOSTILE)
    def test_hostile_variants(self, hostile, inert):
        assert sanitize_html(hostile) == inert

    @pytest.mark.parametrize(("hostile", "inert"), HOSTILE)
    def test_the_editor_field_cleans_the_same_way(self, hostile, inert):
        assert body_field().clean(hostile) == inert

    @pytest.mark.parametrize("hostile", [h for h, _ in HOSTILE] + [FIGURE])
    def test_sanitizing_twice_changes_nothing(self, hostile):
        once = sanitize_html(hostile)
        assert sanitize_html(once) == once


class TestFigureHtml:
    def test_builds_the_shape_the_sanitizer_keeps(self):
        built = figure_html(
            image_id=42, src="/media/images/ab/abcdef.jpg", alt="替代文字", width=1600, height=1067,
            caption="说明文字", credit="摄影 张三",
        )
        assert built == FIGURE

    def test_escapes_what_it_is_given(self):
        built = figure_html(image_id=3, src="/m.jpg?a=1&b=2", alt='"引号"', caption="<b>粗</b>")
        assert built == (
            '<figure data-image="3"><img src="/m.jpg?a=1&amp;b=2" alt="&quot;引号&quot;">'
            "<figcaption>&lt;b&gt;粗&lt;/b&gt;</figcaption></figure>"
        )
        assert sanitize_html(built) == built


class TestCreditLine:
    @pytest.mark.parametrize(("credit", "line"), [
        ("张三", "摄影 张三"),
        ("  张 三 ", "摄影 张 三"),
        ("摄影：张三", "摄影 张三"),
        ("摄影 张三", "摄影 张三"),
        ("新华社", "摄影 新华社"),
        ("", ""),
        ("   ", ""),
        ("摄影", ""),
    ])
    def test_the_line_under_a_picture(self, credit, line):
        assert credit_line(credit) == line


class TestFigureIds:
    def test_ids_in_order_of_appearance_each_once(self):
        body = f"<p>甲</p>{FIGURE.replace('42', '7')}{FIGURE}{FIGURE.replace('42', '7')}"
        assert figure_ids(body) == [7, 42]

    def test_a_body_without_figures_has_none(self):
        assert figure_ids("<p>正文</p>") == []
        assert figure_ids("") == []

    def test_a_non_numeric_id_is_not_an_id(self):
        assert figure_ids('<figure data-image="x1"></figure><figure data-image="0"></figure>') == []


class TestFiguresAreNotText:
    def test_the_caption_is_not_a_paragraph(self):
        body = f"{FIGURE}<p>正文第一段。</p>"
        assert body_text(body) == "正文第一段。"
        assert summary_text(standfirst="", body=body) == "正文第一段。"
