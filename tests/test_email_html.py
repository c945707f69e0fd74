"""The email's HTML keeps to what the narrowest clients render: Outlook's Word engine (tables
with widths in attributes, inline CSS, no flex, grid, position or float) and Gmail (which
clips a message over 102 KB); its plain-text alternative reads on its own."""
import re
from html.parser import HTMLParser

import pytest

from articles.models import Article
from newsroom.mailing import compose
from newsroom.mailing.models import Subscriber
from tests.pictures import add_image, with_sources

SITE = "https://news.example.cn"
FONT_STACK = "font-family: 'PingFang SC', 'Hiragino Sans GB', 'Microsoft YaHei', 'Noto Sans CJK SC', sans-serif;"
GMAIL_CLIP_BYTES = 102 * 1024
FORBIDDEN_TAGS = {"script", "form", "input", "button", "select", "textarea", "iframe", "object", "embed",
                  "link", "div", "video", "audio", "svg", "base"}
FORBIDDEN_STYLE = re.compile(r"display\s*:\s*(inline-)?(flex|grid)|(^|;)\s*position\s*:|(^|;)\s*float\s*:", re.I)


class _Elements(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.elements: list[tuple[str, dict]] = []
        self.style_text: list[str] = []
        self._in_style = False

    def handle_starttag(self, tag, attrs):
        self.elements.append((tag, dict(attrs)))
        self._in_style = tag == "style"

    def handle_endtag(self, tag):
        self._in_style = False

    def handle_data(self, data):
        if self._in_style:
            self.style_text.append(data)


def elements(html: str) -> _Elements:
    parser = _Elements()
    parser.feed(html)
    parser.close()
    return parser


def _without_media_queries(css: str) -> str:
    """The stylesheet less its @media blocks (one level of nested braces)."""
    return re.sub(r"@media[^{]*\{(?:[^{}]*\{[^{}]*\})*[^{}]*\}", "", css)


def outlook_problems(html: str, *, site: str = SITE) -> list[str]:
    """What in `html` Outlook's Word engine or Gmail would break; [] when nothing."""
    found = elements(html)
    problems = []
    if _without_media_queries("".join(found.style_text)).strip():
        problems.append("<style> holds more than media queries: layout depends on it")
    for tag, attrs in found.elements:
        problems += _element_problems(tag, attrs, site=site)
    if len(html.encode()) >= GMAIL_CLIP_BYTES:
        problems.append(f"{len(html.encode())} bytes: Gmail clips at {GMAIL_CLIP_BYTES}")
    return problems


def _element_problems(tag: str, attrs: dict, *, site: str) -> list[str]:
    problems = []
    if tag in FORBIDDEN_TAGS:
        problems.append(f"<{tag}>")
    style = attrs.get("style") or ""
    if FORBIDDEN_STYLE.search(style):
        problems.append(f"<{tag} style={style!r}>")
    width = attrs.get("width")
    if width is not None and width != "100%" and not (width.isdigit() and int(width) <= 600):
        problems.append(f"<{tag} width={width!r}>: wider than 600")
    if tag == "table" and (attrs.get("role") != "presentation" or width is None):
        problems.append(f"<table {attrs}>: layout tables need role=presentation and a width attribute")
    if tag == "img":
        missing = [name for name in ("width", "height", "alt") if name not in attrs]
        if missing or attrs.get("border") != "0":
            problems.append(f"<img {attrs}>: needs width, height, alt and border=0")
    for name in ("href", "src"):
        if name in attrs and not (attrs[name] or "").startswith(site + "/"):
            problems.append(f"<{tag} {name}={attrs[name]!r}>: not an absolute link to the site")
    return problems


@pytest.fixture
def site(settings):
    settings.NEWSROOM_SITE_URL = SITE
    return SITE


@pytest.fixture
def subscriber(db):
    return Subscriber.objects.create(email="reader@example.com", status=Subscriber.Status.CONFIRMED)


def html_of(message) -> str:
    [(html, mimetype)] = message.alternatives
    assert mimetype == "text/html"
    return html


@pytest.fixture
def thirty_article_issue(make_issue, make_article):
    """An issue as long as any: 30 articles, long summaries, each with a lead image."""
    issue = make_issue(7, title="年度特刊")
    image = with_sources(add_image(alt="园区的研发大楼"))
    paragraph = "<p>" + "国家高新区持续推进科技创新和产业升级，" * 12 + "</p>"
    for position in range(1, 31):
        article = make_article(f"第{position}篇：高新区推动创新发展的新举措", issue=issue, position=position,
                               kicker="本刊特稿", body=paragraph)
        Article.objects.filter(pk=article.pk).update(lead_image=image)
    return issue


@pytest.mark.django_db
class TestOutlookRules:
    def test_the_seed_issue_keeps_every_rule(self, site, imported_seed, subscriber):
        html = html_of(compose.issue_message(imported_seed, to=subscriber.email, sub=subscriber))
        assert outlook_problems(html) == []

    def test_a_thirty_article_issue_with_images_keeps_every_rule_and_stays_under_gmails_clip(
            self, site, thirty_article_issue, subscriber):
        html = html_of(compose.issue_message(thirty_article_issue, to=subscriber.email, sub=subscriber))
        assert outlook_problems(html) == []
        assert len([1 for tag, _ in elements(html).elements if tag == "img"]) == 30

    def test_the_confirmation_and_the_digest_keep_every_rule(self, site, imported_seed, subscriber):
        articles = list(Article.objects.published())
        for message in (compose.confirmation_message(subscriber), compose.digest_message(subscriber, articles)):
            assert outlook_problems(html_of(message)) == []

    @pytest.mark.parametrize(("snippet", "problem"), [
        ('<div style="width:300px">列</div>', "<div>"),
        ('<table role="presentation"><tr><td>x</td></tr></table>', "width attribute"),
        ('<table role="presentation" width="600"><tr><td style="display:grid">x</td></tr></table>', "style="),
        ('<p style="color:red;float:left">x</p>', "style="),
        ('<p style="position: absolute">x</p>', "style="),
        ('<table width="800" role="presentation"><tr><td>x</td></tr></table>', "wider than 600"),
        ('<table width="600"><tr><td>x</td></tr></table>', "role=presentation"),
        (f'<img src="{SITE}/a.jpg" width="10" height="10" alt="">', "border=0"),
        (f'<img src="{SITE}/a.jpg" border="0" alt="x">', "needs width"),
        ('<a href="/articles/1/">x</a>', "not an absolute link"),
        ('<a href="https://elsewhere.example/">x</a>', "not an absolute link"),
        ('<link rel="stylesheet" href="https://news.example.cn/s.css">', "<link>"),
        ("<script>alert(1)</script>", "<script>"),
        ('<form action="https://news.example.cn/"></form>', "<form>"),
        ("<style>.a { width: 600px }</style>", "more than media queries"),
        ("<p>" + "长" * 40000 + "</p>", "Gmail clips"),
    ])
    def test_the_checker_catches_what_outlook_or_gmail_would_break(self, snippet, problem):
        problems = outlook_problems(snippet)
        assert len(problems) == 1 and problem in problems[0]

    def test_media_queries_alone_are_allowed_in_style(self):
        assert outlook_problems("<style>@media (max-width: 620px) { .a { width: 100% !important; } }</style>") == []


@pytest.mark.django_db
class TestLooks:
    def test_every_text_element_carries_the_cjk_font_stack_inline(self, site, imported_seed, subscriber):
        html = html_of(compose.issue_message(imported_seed, to=subscriber.email, sub=subscriber))
        text_elements = [attrs for tag, attrs in elements(html).elements if tag in {"td", "p", "h2", "a"}]
        assert len(text_elements) == 27
        assert all(FONT_STACK in attrs["style"] for attrs in text_elements)

    def test_outlook_gets_a_windows_cjk_font_and_phones_a_full_width_column(self, site, imported_seed, subscriber):
        html = html_of(compose.issue_message(imported_seed, to=subscriber.email, sub=subscriber))
        assert html.count(compose.OUTLOOK_FONTS) == 1
        assert html.index(compose.OUTLOOK_FONTS) < html.index("</head>")
        [style] = elements(html).style_text
        assert style.startswith("@media only screen and (max-width: 620px)")
        assert ".container { width: 100% !important; }" in style

    def test_summaries_are_16_pixels_with_a_line_height_of_1_7(self, site, imported_seed, subscriber):
        html = html_of(compose.issue_message(imported_seed, to=subscriber.email, sub=subscriber))
        summaries = [attrs["style"] for tag, attrs in elements(html).elements if attrs.get("class") == "summary"]
        assert len(summaries) == 2
        assert all("font-size: 16px;line-height: 1.7;" in style for style in summaries)

    def test_masthead_number_date_and_the_articles_links(self, site, imported_seed, subscriber):
        html = html_of(compose.issue_message(imported_seed, to=subscriber.email, sub=subscriber))
        assert ">高新区通讯</a></p>" in html
        day = imported_seed.date
        assert f">第1期 · {day.year}年{day.month}月{day.day}日</p>" in html
        feature, jinan = imported_seed.articles.order_by("position")
        for article in (feature, jinan):
            assert html.count(f'href="{SITE}{article.get_absolute_url()}"') == 2  # headline, 阅读全文
        assert f'href="{SITE}/issues/1/"' in html

    def test_a_lead_image_is_the_960_pixel_16_by_9_jpeg_shown_552_wide(self, site, make_issue, make_article,
                                                                          subscriber):
        issue = make_issue(2)
        image = with_sources(add_image(alt='研发大楼 "A" & B'))
        article = make_article("有图", issue=issue)
        Article.objects.filter(pk=article.pk).update(lead_image=image)
        html = html_of(compose.issue_message(issue, to=subscriber.email, sub=subscriber))
        [img] = [attrs for tag, attrs in elements(html).elements if tag == "img"]
        assert img == {
            "class": "lead-image", "border": "0", "src": f"{SITE}/media/renditions/t/{image.pk}-wide-960.jpg",
            "width": "552", "height": "310", "alt": '研发大楼 "A" & B',
            "style": img["style"],
        }

    def test_no_image_until_the_renditions_exist(self, site, make_issue, make_article, subscriber):
        issue = make_issue(2)
        article = make_article("图未生成", issue=issue)
        Article.objects.filter(pk=article.pk).update(lead_image=add_image())
        html = html_of(compose.issue_message(issue, to=subscriber.email, sub=subscriber))
        assert "<img" not in html


@pytest.mark.django_db
class TestEscaping:
    HOSTILE = '<script>alert("x")</script> & \'引号\' "双引号"'

    def test_hostile_headline_kicker_and_summary_are_text_in_the_html(self, site, make_issue, make_article,
                                                                       subscriber):
        issue = make_issue(2, title=self.HOSTILE)
        make_article(self.HOSTILE, issue=issue, kicker=self.HOSTILE, standfirst=self.HOSTILE)
        html = html_of(compose.issue_message(issue, to=subscriber.email, sub=subscriber))
        assert "<script" not in html
        # <title>, the masthead's issue title, the preheader, the kicker, the headline, the summary.
        assert html.count("&lt;script&gt;alert(\"x\")&lt;/script&gt; &amp; '引号' \"双引号\"") == 6
        assert outlook_problems(html) == []

    def test_the_plain_text_keeps_the_characters_as_written(self, site, make_issue, make_article, subscriber):
        issue = make_issue(2)
        make_article(self.HOSTILE, issue=issue)
        message = compose.issue_message(issue, to=subscriber.email, sub=subscriber)
        assert f"\n{self.HOSTILE}\n" in message.body
        assert "&lt;" not in message.body and "&amp;" not in message.body


@pytest.mark.django_db
class TestPlainText:
    def test_an_issue_reads_as_headline_summary_and_link_per_article(self, site, make_issue, make_article,
                                                                       subscriber):
        issue = make_issue(5, title="春季号")
        make_article("第二篇", issue=issue, position=2, body="<p>第二篇的第一段。</p><p>第二段。</p>")
        first = make_article("第一篇", issue=issue, position=1, kicker="引题", standfirst="第一篇的导语。")
        second = Article.objects.get(headline="第二篇")
        manage, unsubscribe = compose.manage_url(subscriber), compose.unsubscribe_url(subscriber)
        message = compose.issue_message(issue, to=subscriber.email, sub=subscriber)
        line = "-" * 60
        assert message.body == (
            "高新区通讯 · 第5期 · 2025年1月6日 · 春季号\n"
            "国家高新区的新闻与观察\n"
            f"\n{line}\n引题\n第一篇\n\n第一篇的导语。\n\n阅读全文：{SITE}{first.get_absolute_url()}\n"
            f"\n{line}\n第二篇\n\n第二篇的第一段。\n\n阅读全文：{SITE}{second.get_absolute_url()}\n"
            f"{line}\n"
            f"\n在网站上阅读本期：{SITE}/issues/5/\n"
            "\n高新区通讯 · 国家高新区的新闻与观察\n"
            "你收到这封邮件，是因为你用这个地址订阅了本刊，并点击确认链接确认了订阅。\n"
            f"管理订阅：{manage}\n退订：{unsubscribe}\n"
        )

    def test_the_confirmation_names_its_link_and_expiry(self, site, subscriber):
        message = compose.confirmation_message(subscriber)
        [url] = re.findall(r"https://\S+", message.body)
        assert url.startswith(f"{SITE}/subscribe/confirm/")
        assert "链接 3 天内有效。" in message.body
        assert "管理订阅" not in message.body and "退订" not in message.body
        assert html_of(message).count(f'href="{url}"') == 2  # the button and the copyable address
