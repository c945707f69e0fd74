"""The print edition's PDF (newsroom/editions/printing.py): every paragraph of the seed, Noto
CJK fonts, zh-Hans, the masthead and the 报尾 the rules ask for, Chinese line breaking, one
clickable region per article and page, and a renderer that reads only our own files."""
import datetime
import http.server
import threading

import pytest
from weasyprint import HTML
from weasyprint.formatting_structure import boxes

from articles.body import html_to_blocks
from newsroom.editions import printing
from tests.pictures import add_image
from tests.print_pdf import catalog_lang, font_names, image_count, page_texts, squeezed

NOTO_FONTS = {"Noto-Serif-CJK-SC", "Noto-Serif-CJK-SC-Bold", "Noto-Sans-CJK-SC", "Noto-Sans-CJK-SC-Bold"}
LINE_START_FORBIDDEN = "，。、；：？！）」』》〉】"
LINE_END_FORBIDDEN = "（「『《〈【"


def site_info(**fields):
    from newsroom.editions.models import SiteInfo

    values = {"name": "高新区周报", "sponsor": "某某高新区管委会", "publisher": "高新区周报编辑部",
              "address": "北京市海淀区中关村大街1号", "postcode": "100080", "phone": "010-12345678",
              "email": "news@example.cn", "website": "https://news.example.cn", "internal": True,
              "permit_number": "京内资准字2026-L0001号", "distribution": "区内企业和机关",
              "printer": "北京某某印刷厂", "print_run": 3000}
    return SiteInfo(**{**values, **fields})


@pytest.fixture
def seed_print(seed_articles):
    issue = seed_articles[0].issue
    html = printing.issue_print_html(issue, site_info())
    pdf, pages = printing.render_pdf(html)
    return seed_articles, pdf, pages


def text_of(article) -> list[str]:
    """Every paragraph, section head and subtitle of the article, and its standfirst."""
    texts = [article.headline, article.standfirst]
    for block in html_to_blocks(article.body):
        texts += [block.get("text", ""), block.get("subtitle", ""), block.get("caption", "")]
    return [squeezed(text) for text in texts if text]


class TestSeedPdf:
    def test_every_paragraph_of_both_articles_is_in_the_text(self, seed_print):
        articles, pdf, _pages = seed_print
        texts = page_texts(pdf)
        # The running head of page 2 stands between the halves of a paragraph broken there.
        running = "高新区周报·第1期·2026年11月30日星期一第2版"
        whole = squeezed("".join(texts)).replace(running, "")
        missing = [text for article in articles for text in text_of(article) if text not in whole]
        assert len(text_of(articles[0])) > 20
        assert missing == []

    def test_fonts_are_noto_cjk_only(self, seed_print):
        assert font_names(seed_print[1]) == NOTO_FONTS

    def test_language_is_simplified_chinese(self, seed_print):
        assert catalog_lang(seed_print[1]) == ["zh-Hans"]

    def test_page_one_has_the_masthead_with_the_internal_lines(self, seed_print):
        first = squeezed(page_texts(seed_print[1])[0])
        assert first.startswith("准印证号：京内资准字2026-L0001号内部资料免费交流高新区周报第1期2026年11月30日星期一")
        assert "第1版" not in first

    def test_later_pages_have_the_running_head(self, seed_print):
        texts = [squeezed(text) for text in page_texts(seed_print[1])]
        assert len(texts) == 2
        assert "高新区周报·第1期·2026年11月30日星期一" in texts[1]
        assert "第2版" in texts[1]

    def test_the_last_page_ends_with_the_colophon(self, seed_print):
        texts = [squeezed(text) for text in page_texts(seed_print[1])]
        colophon = ("主办单位：某某高新区管委会编印单位：高新区周报编辑部地址：北京市海淀区中关村大街1号邮编：100080"
                    "电话：010-12345678电子邮箱：news@example.cn网址：https://news.example.cn发送对象：区内企业和机关"
                    "印刷单位：北京某某印刷厂印数：3000份印刷日期：2026年11月30日准印证号：京内资准字2026-L0001号")
        assert colophon in texts[-1]
        assert "印刷单位" not in texts[0]

    def test_regions_cover_both_articles_on_page_one(self, seed_print):
        (feature, jinan), _pdf, pages = seed_print
        assert [[region["article"] for region in page["regions"]] for page in pages] == [
            [feature.pk, jinan.pk], [jinan.pk],
        ]
        for page in pages:
            assert (round(page["width"], 2), round(page["height"], 2)) == (841.89, 1190.55)  # A3 in points
            for region in page["regions"]:
                assert 0 <= region["x"] < region["x"] + region["w"] <= 1
                assert 0 <= region["y"] < region["y"] + region["h"] <= 1
        one, two = pages[0]["regions"]
        assert one["y"] + one["h"] <= two["y"]  # the feature above the report, not overlapping


class TestPublicPaper:
    def test_a_public_paper_prints_its_sponsor_and_no_internal_line(self, seed_articles):
        site = site_info(internal=False, permit_number="", distribution="", printer="", print_run=None)
        pdf, _pages = printing.render_pdf(printing.issue_print_html(seed_articles[0].issue, site))
        texts = [squeezed(text) for text in page_texts(pdf)]
        assert texts[0].startswith("主办单位：某某高新区管委会高新区周报第1期")
        assert "内部资料" not in "".join(texts)
        assert "准印证号" not in "".join(texts)


class TestChineseDate:
    def test_date_with_weekday(self):
        assert printing.chinese_date(datetime.date(2026, 11, 29)) == "2026年11月29日 星期日"
        assert printing.chinese_date(datetime.date(2026, 1, 5)) == "2026年1月5日 星期一"


def _lines(box):
    if isinstance(box, boxes.LineBox):
        yield "".join(text.text for text in box.descendants() if isinstance(text, boxes.TextBox))
    elif isinstance(box, boxes.ParentBox) and not isinstance(box, boxes.MarginBox):  # not the running head
        for child in box.children:
            yield from _lines(child)


class TestLineBreaking:
    @pytest.mark.parametrize("width", [3, 4, 5, 6, 7, 8, 9, 11])
    def test_no_line_starts_with_closing_or_ends_with_opening_punctuation(self, width):
        """A narrow column full of punctuation, laid out with the print stylesheet."""
        text = "甲，乙。丙、丁；戊：己？庚！（辛）「壬」『癸』《子》〈丑〉【寅】" * 12
        html = (f'<html lang="zh-Hans"><head><link rel="stylesheet" href="static:{printing.STYLESHEET}"></head>'
                f'<body><p style="width: {width}em">{text}</p></body></html>')
        document = HTML(string=html, url_fetcher=printing.OwnFilesFetcher()).render()
        lines = [line for page in document.pages for line in _lines(page._page_box) if line]
        assert len(lines) > 30
        assert "".join(lines) == text
        assert [line for line in lines if line[0] in LINE_START_FORBIDDEN or line[-1] in LINE_END_FORBIDDEN] == []


class TestFetcher:
    @pytest.mark.parametrize("url", [
        "file:///etc/passwd", "https://example.com/a.png", "http://127.0.0.1/a.png", "ftp://example.com/a",
        "data:text/css,body{}", "media:../../etc/passwd", "media:/etc/passwd", "static:../settings.py",
        "media:a/../../b", "media:a\\b", "//example.com/a.png", "media:",
    ])
    def test_refuses_anything_but_our_files(self, url):
        with pytest.raises(printing.FetchRefused):
            printing.OwnFilesFetcher().fetch(url)

    def test_serves_the_stylesheet(self):
        response = printing.OwnFilesFetcher().fetch("static:" + printing.STYLESHEET)
        assert response.content_type == "text/css"
        assert b"size: 297mm 420mm" in response.read()

    def test_serves_a_picture_from_the_media_storage(self, db, settings, tmp_path):
        settings.MEDIA_ROOT = tmp_path
        image = add_image()
        response = printing.OwnFilesFetcher().fetch(printing.media_url(image.file.name))
        assert response.content_type == "image/jpeg"
        assert response.read() == image.file.open("rb").read()

    def test_a_missing_media_file_is_an_error(self, settings, tmp_path):
        settings.MEDIA_ROOT = tmp_path
        with pytest.raises(FileNotFoundError):
            printing.OwnFilesFetcher().fetch("media:images/none.jpg")

    def test_the_renderer_reads_no_local_file_and_calls_no_server(self, tmp_path):
        hits = []

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self):
                hits.append(self.path)
                self.send_response(200)
                self.send_header("Content-Type", "text/css")
                self.end_headers()
                self.wfile.write(b"body { color: red }")

            def log_message(self, *args):
                pass

        server = http.server.HTTPServer(("127.0.0.1", 18101), Handler)
        thread = threading.Thread(target=server.serve_forever, daemon=True)
        thread.start()
        try:
            local = tmp_path / "secret.png"
            local.write_bytes(_png())
            html = (f'<html><head><link rel="stylesheet" href="http://127.0.0.1:18101/x.css"></head><body>'
                    f'<img src="file://{local}"><img src="http://127.0.0.1:18101/x.png">'
                    f'<img src="data:image/png;base64,{_png_base64()}"><p>正文</p></body></html>')
            pdf, _pages = printing.render_pdf(html)
        finally:
            server.shutdown()
            server.server_close()
        assert hits == []
        assert image_count(pdf) == 0

    def test_an_article_body_reaches_the_renderer_as_text_only(self, make_issue, make_article, monkeypatch):
        issue = make_issue(number=7, date=datetime.date(2026, 3, 2))
        make_article("园区新闻", issue=issue, body=(
            '<p>第一段<img src="file:///etc/passwd"><a href="https://evil.example/x.css">链接</a>。</p>'
            '<p><a href="file:///etc/passwd">第二段</a></p>'
        ))
        asked = []
        fetch = printing.OwnFilesFetcher.fetch
        monkeypatch.setattr(printing.OwnFilesFetcher, "fetch", lambda self, url, headers=None: asked.append(url) or fetch(self, url))
        pdf, pages = printing.render_pdf(printing.issue_print_html(issue, site_info()))
        assert asked == ["static:" + printing.STYLESHEET]
        assert "第一段链接。第二段" in squeezed(page_texts(pdf)[0])
        assert len(pages[0]["regions"]) == 1


def _png() -> bytes:
    import io

    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", (20, 20), (200, 0, 0)).save(out, "PNG")
    return out.getvalue()


def _png_base64() -> str:
    import base64

    return base64.b64encode(_png()).decode()


class TestMergeRects:
    def test_boxes_inside_the_link_box_go(self):
        outer = (10, 20, 500, 700)
        assert printing.merge_rects([(10, 40, 120, 700), outer, (130, 40, 240, 300), outer]) == [outer]

    def test_lines_of_an_inline_link_join_per_column(self):
        lines = [(10, 20, 120, 34), (10, 34, 120, 48), (10, 48.5, 120, 60), (130, 20, 240, 34)]
        assert printing.merge_rects(lines) == [(10, 20, 120, 60), (130, 20, 240, 34)]

    def test_a_gap_keeps_two_regions(self):
        assert printing.merge_rects([(10, 20, 120, 34), (10, 60, 120, 80)]) == [(10, 20, 120, 34), (10, 60, 120, 80)]
