"""The 公众号 edition keeps WeChat's rules: inline styles only, no class, id, <style>, script,
positioning or transform, only the tags WeChat keeps, links only to WeChat articles (others
become 参考链接), under 20,000 characters and 1 MB, and a warning for every limit WeChat
enforces on the title, author, digest and pictures."""
import io
import re
from html.parser import HTMLParser

import pytest
from PIL import Image as PILImage

from articles.body import body_text, figure_html
from articles.models import Article
from newsroom.editions import wechat
from newsroom.editions.wechat import Footnote, wechat_article, wechat_clean
from newsroom.images.models import Image, Rendition
from newsroom.images.storing import image_add
from tests.pictures import add_image, with_sources

SITE = "https://news.example.cn"
WECHAT_TAGS = {"section", "p", "span", "strong", "em", "h2", "h3", "h4", "blockquote", "ul", "ol", "li",
               "img", "br", "sup", "a"}
FORBIDDEN_STYLE = re.compile(r"(^|;)\s*(position|float|transform|z-index|top|left)\s*:", re.I)


class _Elements(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.elements: list[tuple[str, dict]] = []

    def handle_starttag(self, tag, attrs):
        self.elements.append((tag, dict(attrs)))


def elements(markup: str) -> list[tuple[str, dict]]:
    parser = _Elements()
    parser.feed(markup)
    parser.close()
    return parser.elements


def wechat_problems(markup: str) -> list[str]:
    """What in `markup` WeChat would strip or refuse; [] when nothing."""
    problems = []
    for tag, attrs in elements(markup):
        if tag not in WECHAT_TAGS:
            problems.append(f"<{tag}>")
        for name, value in attrs.items():
            if name in {"class", "id"} or name.startswith(("data-", "on")):
                problems.append(f"<{tag} {name}>")
            if name == "style" and FORBIDDEN_STYLE.search(value or ""):
                problems.append(f"<{tag} style={value!r}>")
        if tag == "a" and not (attrs.get("href") or "").startswith("https://mp.weixin.qq.com/"):
            problems.append(f"<a href={attrs.get('href')!r}>: not a WeChat article")
        if tag == "img" and not (attrs.get("src") or "").startswith(SITE + "/"):
            problems.append(f"<img src={attrs.get('src')!r}>: not an absolute URL of the site")
    if len(markup) >= wechat.HTML_CHARS:
        problems.append(f"{len(markup)} characters")
    if len(markup.encode()) >= wechat.HTML_BYTES:
        problems.append(f"{len(markup.encode())} bytes")
    return problems


@pytest.fixture(autouse=True)
def site(settings):
    settings.NEWSROOM_SITE_URL = SITE
    return SITE


@pytest.fixture
def feature(imported_seed):
    return imported_seed.articles.order_by("position").first()


def png_bytes(width: int, height: int) -> bytes:
    """Noise: a PNG that does not compress, so its size follows its pixels."""
    out = io.BytesIO()
    PILImage.effect_noise((width, height), 60).convert("RGB").save(out, "PNG")
    return out.getvalue()


def picture_with_jpeg_renditions(**fields) -> Image:
    """A picture whose renditions the worker made, with their rows (and so their sizes)."""
    image = with_sources(add_image(**fields))
    for width, height in ((480, 320), (960, 640), (1600, 1067)):
        Rendition.objects.create(image=image, version=image.version, shape="original", format="jpeg", width=width,
                                 height=height, file=f"renditions/t/{image.pk}-original-{width}.jpg", bytes=width * 100)
    return image


def figure_of(image: Image, *, caption: str = "", credit: str = "") -> str:
    return figure_html(image_id=image.pk, src=f"/media/{image.file.name}", alt=image.alt, caption=caption,
                       credit=credit)


@pytest.mark.django_db
class TestTheSeedFeature:
    def test_keeps_every_wechat_rule(self, feature):
        edition = wechat_article(feature)
        assert wechat_problems(edition.html) == []
        assert edition.warnings == []

    def test_its_styles_are_inline_on_every_block(self, feature):
        edition = wechat_article(feature)
        paragraphs = [attrs.get("style") for tag, attrs in elements(edition.html) if tag == "p"]
        body_paragraphs = [b for b in feature.blocks if b["type"] == "paragraph"]
        assert len(paragraphs) == len(body_paragraphs) + 1 == 26  # the body's, then 阅读原文
        assert paragraphs[:-1] == ["margin: 0 0 16px 0;"] * 25
        assert paragraphs[-1] == "margin: 24px 0 0 0; font-size: 14px; color: #888888; text-align: center;"

    def test_holds_every_paragraph_heading_and_subtitle_of_the_article(self, feature):
        edition = wechat_article(feature)
        for line in body_text(feature.body).split("\n"):
            assert line in edition.text
        assert edition.text.endswith("点击左下角“阅读原文”，在本刊网站阅读本文。")

    def test_the_fields_to_paste(self, feature):
        edition = wechat_article(feature)
        assert edition.title == "国家高新区忙开局奋力“开门红”"
        assert edition.author == "刘琴"
        assert edition.digest == feature.summary
        assert edition.source_url == f"{SITE}/articles/{feature.pk}/{feature.slug}/"
        assert (edition.images, edition.cover, edition.footnotes) == ([], None, [])

    def test_sizes_are_counted_on_the_html_itself(self, feature):
        edition = wechat_article(feature)
        assert edition.chars == len(edition.html) < wechat.HTML_CHARS
        assert edition.bytes == len(edition.html.encode()) < wechat.HTML_BYTES

    def test_chinese_typography_is_set_once_on_the_outer_section(self, feature):
        edition = wechat_article(feature)
        (tag, attrs), *rest = elements(edition.html)
        assert tag == "section"
        assert attrs["style"] == (
            'font-family: -apple-system, BlinkMacSystemFont, "PingFang SC", "Hiragino Sans GB", "Microsoft YaHei", '
            '"Noto Sans CJK SC", sans-serif; font-size: 16px; line-height: 1.75; color: #333333; '
            "letter-spacing: 0.5px; text-align: justify; word-break: break-all;"
        )
        # Inherited, so not repeated: every copy counts against the 20,000 characters.
        assert not any("font-family" in (a.get("style") or "") for _tag, a in rest)

    def test_section_heads_and_their_subtitles_are_headings(self, feature):
        edition = wechat_article(feature)
        headings = [(tag, attrs["style"]) for tag, attrs in elements(edition.html) if tag in {"h2", "h3"}]
        assert len(headings) == 6
        assert headings[0] == ("h2", "margin: 32px 0 4px 0; font-size: 19px; font-weight: bold; color: #9b1c1c; "
                                     "text-align: left;")
        assert '<h2 style="' in edition.html and ">“新”潮涌动</h2>" in edition.html


@pytest.mark.django_db
class TestBlocks:
    def test_quotes_lists_and_bold_keep_their_shape_with_inline_styles(self, make_article):
        body = ("<blockquote><p>引语</p></blockquote><ul><li>一</li><li>二</li></ul><ol><li>甲</li></ol>"
                "<p><b>粗</b><strong>体</strong><br>换行</p>")
        edition = wechat_article(make_article(body=body))
        shown = re.sub(r' style="[^"]*"', "", edition.html)
        assert ("<blockquote><p>引语</p></blockquote><ul><li>一</li><li>二</li></ul><ol><li>甲</li></ol>"
                "<p><strong>粗</strong><strong>体</strong><br>换行</p>") in shown
        styles = dict((tag, attrs.get("style")) for tag, attrs in elements(edition.html))
        assert styles["blockquote"] == ("margin: 0 0 16px 0; padding: 8px 16px; border-left: 3px solid #cccccc; "
                                        "color: #555555;")
        assert styles["ul"] == styles["ol"] == "margin: 0 0 16px 0; padding-left: 24px;"
        assert wechat_problems(edition.html) == []

    def test_kicker_subheadline_dateline_and_standfirst_come_before_the_body(self, make_article):
        edition = wechat_article(make_article(kicker="引题", subheadline="副题", dateline="本报北京1月6日电",
                                              standfirst="导语", body="<p>正文</p>"))
        assert edition.text.split("\n")[:5] == ["引题", "副题", "本报北京1月6日电", "导语", "正文"]


@pytest.mark.django_db
class TestLinks:
    def test_a_link_to_a_wechat_article_stays_a_link(self, make_article):
        url = "https://mp.weixin.qq.com/s/AbC123"
        article = make_article(body=f'<p>详见<a href="{url}">上期推送</a>。</p>')
        edition = wechat_article(article)
        assert f'<a href="{url}">上期推送</a>' in edition.html
        assert edition.footnotes == []
        assert wechat_problems(edition.html) == []

    def test_other_links_become_numbered_footnotes_and_the_same_url_keeps_its_number(self, make_article):
        body = ('<p>据<a href="https://www.gov.cn/zhengce/1.htm">国务院通知</a>，'
                '<a href="https://www.most.gov.cn/">科技部</a>和'
                '<a href="https://www.gov.cn/zhengce/1.htm">该通知</a>都提到。</p>')
        edition = wechat_article(make_article(body=body))
        assert edition.footnotes == [
            Footnote(1, "国务院通知", "https://www.gov.cn/zhengce/1.htm"),
            Footnote(2, "科技部", "https://www.most.gov.cn/"),
        ]
        assert "<a" not in edition.html
        assert re.sub(r' style="[^"]*"', "", edition.html).count(
            "据国务院通知<sup>[1]</sup>，科技部<sup>[2]</sup>和该通知<sup>[1]</sup>都提到。") == 1
        assert edition.text.split("\n")[-4:] == [
            "参考链接",
            "[1] 国务院通知：https://www.gov.cn/zhengce/1.htm",
            "[2] 科技部：https://www.most.gov.cn/",
            "点击左下角“阅读原文”，在本刊网站阅读本文。",
        ]
        assert wechat_problems(edition.html) == []

    def test_a_look_alike_host_is_not_wechat(self, make_article):
        body = '<p><a href="https://mp.weixin.qq.com.evil.example/s/x">假链接</a></p>'
        edition = wechat_article(make_article(body=body))
        assert edition.footnotes == [Footnote(1, "假链接", "https://mp.weixin.qq.com.evil.example/s/x")]
        assert "<a" not in edition.html


@pytest.mark.django_db
class TestHostileBodies:
    def test_what_the_sanitizer_lets_through_and_what_it_does_not_both_keep_the_rules(self, make_article):
        body = ('<div class="x" id="y" data-v="1" style="position:absolute;transform:rotate(3deg)">'
                '<p class="p" onclick="alert(1)">正文<iframe src="https://evil.example/"></iframe></p>'
                "<style>p { color: red }</style><script>alert(1)</script>"
                '<link rel="stylesheet" href="https://evil.example/s.css"></div>')
        edition = wechat_article(make_article(body=body))
        assert wechat_problems(edition.html) == []
        assert "alert" not in edition.html and "color: red" not in edition.html
        assert "正文" in edition.text

    def test_the_cleaner_drops_classes_ids_data_and_events_and_forbidden_styles(self):
        markup = ('<section class="a" id="b" data-x="1" onclick="go()" style="position: absolute; color: #333; '
                  'float: left; transform: rotate(1deg); margin: 0 0 16px 0; background-color: url(x)">文字</section>')
        assert wechat_clean(markup) == '<section style="color: #333; margin: 0 0 16px 0;">文字</section>'

    def test_the_cleaner_drops_script_style_iframe_and_link_with_their_content(self):
        markup = ('<p>留<script>alert(1)</script><style>p{}</style><iframe>框</iframe>'
                  '<link rel="stylesheet" href="x.css">下</p><template><p>模板</p></template>')
        assert wechat_clean(markup) == "<p>留下</p>"

    def test_the_cleaner_drops_an_svg_whole_whatever_it_holds(self):
        markup = "<svg><g><text>隐藏</text><path/><svg><g>内层</g></svg></g></svg><p>留下</p>"
        assert wechat_clean(markup) == "<p>留下</p>"
        assert wechat_clean("<svg/><p>留<br/>下</p><p/>") == "<p>留<br>下</p><p></p>"

    def test_the_cleaner_unwraps_other_elements_and_links_off_wechat_keeping_their_text(self):
        markup = ('<div><figure><p>图说</p></figure><a href="https://www.gov.cn/">政府网</a>'
                  '<a href="javascript:alert(1)">坏</a><img src="javascript:x" alt="x"><img src="data:x" alt=""></div>')
        assert wechat_clean(markup) == "<p>图说</p>政府网坏"

    def test_attribute_values_are_escaped_as_serializers_write_them(self):
        markup = """<img src="https://cdn.example.cn/a.jpg?x=1&amp;y='2'" alt='说"明"<>'>"""
        assert wechat_clean(markup) == (
            """<img src="https://cdn.example.cn/a.jpg?x=1&amp;y='2'" alt="说&quot;明&quot;<>">"""
        )

    def test_the_cleaner_closes_what_it_opened(self):
        assert wechat_clean("<section><p>未闭合<strong>粗") == "<section><p>未闭合<strong>粗</strong></p></section>"

    def test_thirty_thousand_characters_are_refused_with_how_much_to_cut_and_the_longest_paragraphs(
            self, make_article):
        body = "".join(f"<p>第{n}段" + "高" * (n * 100) + "</p>" for n in range(1, 25))
        edition = wechat_article(make_article(body=body))
        assert edition.chars >= 30_000
        over = edition.chars - wechat.HTML_CHARS + 1
        assert edition.warnings == [
            f"正文 HTML 有 {edition.chars:,} 个字符，公众号要求少于 20,000 个字符，请至少删去 {over:,} 个字符。"
            "最长的段落：第 24 段“第24段高高高高高高高高…”（2404 字）；第 23 段“第23段高高高高高高高高…”（2304 字）；"
            "第 22 段“第22段高高高高高高高高…”（2204 字）。"
        ]
        assert len(wechat_problems(edition.html)) == 1

    def test_over_a_megabyte_says_so(self, make_article):
        body = "<p>" + "𠀀" * 270_000 + "</p>"  # four bytes each
        edition = wechat_article(make_article(body=body))
        assert edition.bytes > wechat.HTML_BYTES
        [size_warning] = [warning for warning in edition.warnings if "1 MB" in warning]
        over = edition.bytes - wechat.HTML_BYTES + 1
        assert size_warning == (f"正文 HTML 有 {edition.bytes / 1024 / 1024:.2f} MB，公众号要求小于 1 MB，"
                                f"请至少删去 {over / 1024:.1f} KB。最长的段落：第 1 段“{'𠀀' * 12}…”（270000 字）。")


@pytest.mark.django_db
class TestFieldLimits:
    def test_title_author_and_digest_over_their_limits_are_warned_with_the_counts(self, make_article):
        article = make_article(
            "高" * 33,
            reporters=[("欧阳明月", "作者"), ("司马长风", "作者"), ("诸葛亮亮", "作者"), ("上官飞燕", "作者")],
            standfirst="导" * 130,
        )
        edition = wechat_article(article)
        assert edition.author == "欧阳明月、司马长风、诸葛亮亮、上官飞燕"
        assert edition.warnings == [
            "标题有 33 个字，公众号最多 32 个字，请删去 1 个字。",
            "作者有 19 个字，公众号最多 16 个字，请删去 3 个字。",
            "摘要有 130 个字，公众号最多 128 个字，请删去 2 个字。",
        ]

    def test_at_the_limits_nothing_is_warned(self, make_article):
        edition = wechat_article(make_article("高" * 32, reporters=[("一二三四五六七八九十一二三四五六", "作者")],
                                              standfirst="导" * 128))
        assert edition.warnings == []

    def test_the_digest_is_the_standfirst_as_plain_text(self, make_article):
        edition = wechat_article(make_article(standfirst="第一行\n  第二行", body="<p>正文。</p>"))
        assert edition.digest == "第一行 第二行"
        assert edition.html.count("第一行\n  第二行") == 1  # shown on top of the body, too


@pytest.mark.django_db
class TestPictures:
    def test_a_figure_shows_the_960_jpeg_rendition_full_width_with_its_caption_and_credit(self, make_article):
        image = picture_with_jpeg_renditions(alt="研发大楼", title="研发大楼外景")
        article = make_article(body="<p>前文</p>" + figure_of(image, caption="园区的研发大楼", credit="摄影 张三"))
        edition = wechat_article(article)
        url = f"{SITE}/media/renditions/t/{image.pk}-original-960.jpg"
        assert ('<section style="margin: 0 0 20px 0;">'
                f'<img src="{url}" alt="研发大楼" style="display: block; width: 100%; height: auto;">'
                '<p style="margin: 6px 0 0 0; font-size: 14px; line-height: 1.6; color: #888888; text-align: center;">'
                '园区的研发大楼<span style="margin-left: 8px;">摄影 张三</span></p></section>') in edition.html
        assert edition.images == [wechat.WechatImage(
            image_id=image.pk, title="研发大楼外景", name=f"renditions/t/{image.pk}-original-960.jpg", url=url,
            bytes=96_000, format="jpeg",
        )]
        assert edition.cover == edition.images[0]
        assert edition.warnings == []
        assert wechat_problems(edition.html) == []

    def test_a_narrower_rendition_when_the_960_one_is_over_a_megabyte(self, make_article):
        image = picture_with_jpeg_renditions(title="高清大图")
        Rendition.objects.filter(image=image, width=960).update(bytes=1_500_000)
        edition = wechat_article(make_article(body=figure_of(image)))
        assert (edition.images[0].name, edition.images[0].bytes) == (f"renditions/t/{image.pk}-original-480.jpg",
                                                                     48_000)
        assert edition.warnings == []

    def test_when_every_rendition_is_over_a_megabyte_the_960_one_is_used_and_warned(self, make_article):
        image = picture_with_jpeg_renditions(title="巨幅长图")
        Rendition.objects.filter(image=image).update(bytes=wechat.IMAGE_BYTES)  # at the limit is over it
        edition = wechat_article(make_article(body=figure_of(image)))
        assert edition.images[0].name == f"renditions/t/{image.pk}-original-960.jpg"
        assert edition.warnings == ["图片“巨幅长图”有 1.00 MB，公众号要求小于 1 MB，请压缩后再用。"]

    def test_the_lead_image_comes_first_and_is_the_cover(self, make_article):
        lead = picture_with_jpeg_renditions(seed=1, alt="开工仪式", caption="项目开工", credit="李四")
        figure = picture_with_jpeg_renditions(seed=2, alt="车间")
        article = make_article(body=figure_of(figure), standfirst="导语")
        Article.objects.filter(pk=article.pk).update(lead_image=lead)
        article.refresh_from_db()
        edition = wechat_article(article)
        assert [picture.image_id for picture in edition.images] == [lead.pk, figure.pk]
        assert edition.cover.image_id == lead.pk
        srcs = [attrs["src"] for tag, attrs in elements(edition.html) if tag == "img"]
        assert srcs == [f"{SITE}/media/renditions/t/{lead.pk}-original-960.jpg",
                        f"{SITE}/media/renditions/t/{figure.pk}-original-960.jpg"]
        assert edition.text.startswith("项目开工摄影 李四\n导语\n")

    def test_a_png_master_over_a_megabyte_is_named_with_its_size(self, make_article):
        image, _created = image_add(data=png_bytes(1000, 900), alt="数据图", title="产值统计图")
        assert image.format == "PNG" and image.bytes > 2 * 1024 * 1024
        edition = wechat_article(make_article(body=figure_of(image)))
        assert edition.images[0].format == "png" and edition.images[0].name == image.file.name
        assert edition.warnings == [
            f"图片“产值统计图”有 {image.bytes / 1024 / 1024:.2f} MB，公众号要求小于 1 MB，请压缩后再用。"
        ]

    def test_a_webp_master_is_refused_by_format(self, make_article):
        out = io.BytesIO()
        PILImage.new("RGB", (40, 30), (10, 120, 200)).save(out, "WEBP")
        image, _created = image_add(data=out.getvalue(), alt="示意图", title="园区示意图")
        edition = wechat_article(make_article(body=figure_of(image)))
        assert edition.warnings == ["图片“园区示意图”是 WEBP 格式，公众号只接受 JPEG 和 PNG，请换成 JPEG 或 PNG 格式的图片。"]

    def test_a_rendition_whose_file_is_missing_is_warned(self, make_article):
        image = with_sources(add_image(title="缺文件的图"))
        edition = wechat_article(make_article(body=figure_of(image)))
        assert edition.images[0].bytes is None
        assert edition.warnings == ["图片“缺文件的图”的文件不在存储里，无法上传到公众号。"]

    def test_a_figure_whose_picture_left_the_library_is_left_out_and_warned(self, make_article):
        article = make_article(body='<p>前</p><figure data-image="999999"><img src="/media/x.jpg" alt="x">'
                                    "<figcaption>旧图说</figcaption></figure><p>后</p>")
        edition = wechat_article(article)
        assert "旧图说" not in edition.html and "<img" not in edition.html
        assert edition.warnings == ["正文里的图片（编号 999999）已不在图库中，公众号版里略去了它。"]

    def test_pictures_cost_two_queries_however_many(self, make_article, django_assert_num_queries):
        images = [picture_with_jpeg_renditions(seed=n) for n in range(3)]
        article = make_article(body="".join(figure_of(image) for image in images))
        Article.objects.filter(pk=article.pk).update(lead_image=picture_with_jpeg_renditions(seed=9))
        article = Article.objects.get(pk=article.pk)
        with django_assert_num_queries(2):
            edition = wechat_article(article)
        assert len(edition.images) == 4

    def test_without_pictures_no_query_at_all(self, feature, django_assert_num_queries):
        with django_assert_num_queries(0):
            wechat_article(feature)
