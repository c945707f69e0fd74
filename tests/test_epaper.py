"""The 数字报: an issue's printed pages with clickable articles, the calendar of back issues,
the PDF, and the links from the issue page. The print editions here are rows written by
`make_edition` with placeholder files; tests/test_browser_epaper.py prints a real one."""
import datetime
import re
from html.parser import HTMLParser

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import connection
from django.test.utils import CaptureQueriesContext

from articles.models import Article
from newsroom.editions.models import PrintEdition, SiteInfo

PDF_BYTES = b"%PDF-1.7\n% not a real PDF: the view streams whatever the edition stored\n%%EOF\n"
# One page of A3 (842 x 1191 pt) at the two widths the page view offers.
IMAGE_SIZE = {"800": [800, 1132], "1600": [1600, 2263]}


class Elements(HTMLParser):
    """Every start tag with its attributes, and the text inside each <a> and <caption>."""

    def __init__(self, html: str):
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict]] = []
        self.links: list[dict] = []
        self.captions: list[str] = []
        self._open: list[dict] = []
        self.feed(html)
        self.close()

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        self.tags.append((tag, attrs))
        if tag in ("a", "caption"):
            self._open.append({"tag": tag, **attrs, "text": ""})

    def handle_startendtag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))
        if self._open and tag == "rect":
            self._open[-1]["rect"] = {k: float(v) for k, v in attrs if k in ("x", "y", "width", "height")}

    def handle_data(self, data):
        for element in self._open:
            element["text"] += data

    def handle_endtag(self, tag):
        if tag in ("a", "caption") and self._open:
            element = self._open.pop()
            element["text"] = " ".join(element["text"].split())
            if element["tag"] == "a":
                self.links.append(element)
            else:
                self.captions.append(element["text"])

    def of_class(self, name: str) -> list[dict]:
        return [link for link in self.links if name in link.get("class", "").split()]

    def first(self, tag: str, **attrs) -> dict:
        return next(a for t, a in self.tags if t == tag and all(a.get(k) == v for k, v in attrs.items()))


def parsed(response) -> Elements:
    assert response.status_code == 200
    return Elements(response.content.decode())


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


def region_at(article, index: int) -> dict:
    """The index-th article of a page fills a band a fifth of the page high."""
    return {"article": article.pk, "x": 0.05, "y": round(0.1 + 0.2 * index, 4), "w": 0.9, "h": 0.15}


@pytest.fixture
def make_edition(media):
    """make_edition(issue, [[article, ...], ...]): a print edition, ready unless told, one list
    of articles a page, each with one region; placeholder images and PDF in default_storage."""

    def make(issue, pages, *, status=PrintEdition.Status.READY, regions=None, made_before=False):
        # An edition not READY has files only when an earlier generation made them (made_before).
        folder = f"editions/{issue.number}/1-abcdef012345"
        made = status == PrintEdition.Status.READY or made_before
        pdf_name = default_storage.save(f"{folder}/issue.pdf", ContentFile(PDF_BYTES)) if made else ""
        rows = []
        for number, articles in enumerate(pages, start=1):
            images = {w: default_storage.save(f"{folder}/page-{number}-{w}.jpg", ContentFile(b"jpeg")) for w in IMAGE_SIZE}
            rows.append({
                "number": number, "width": 842.0, "height": 1191.0, "images": images, "image_size": IMAGE_SIZE,
                "articles": [a.pk for a in articles],
                "regions": (regions or {}).get(number) or [region_at(a, i) for i, a in enumerate(articles)],
            })
        edition, _ = PrintEdition.objects.update_or_create(issue=issue, defaults={
            "status": status, "generation": 1, "pdf": pdf_name, "pdf_size": len(PDF_BYTES) if made else 0,
            "page_count": len(rows) if made else 0, "pages": rows if made else [],
        })
        return edition

    return make


@pytest.fixture
def two_pages(make_issue, make_article, make_edition):
    """Issue 1: page 1 with two articles, page 2 with one."""
    issue = make_issue(1, date=datetime.date(2026, 3, 2))
    first = make_article("开局之年看高新", issue=issue, position=1)
    second = make_article("园区企业新春忙", issue=issue, position=2)
    third = make_article("第二版的文章", issue=issue, position=3)
    edition = make_edition(issue, [[first, second], [third]])
    return edition, [first, second, third]


@pytest.mark.django_db
class TestPageView:
    def test_page_image_has_both_widths_its_size_and_a_name(self, client, two_pages):
        edition, _ = two_pages
        img = parsed(client.get("/epaper/1/")).first("img", **{"class": "epaper-page__image"})
        small, large = (default_storage.url(edition.pages[0]["images"][w]) for w in ("800", "1600"))
        assert img == {
            "class": "epaper-page__image", "src": small, "srcset": f"{small} 800w, {large} 1600w",
            "sizes": "(min-width: 60rem) 44rem, 100vw", "width": "800", "height": "1132",
            "alt": "第1期第1版", "fetchpriority": "high",
        }

    def test_each_region_links_to_its_article_named_by_the_headline(self, client, two_pages):
        _, (first, second, _) = two_pages
        regions = parsed(client.get("/epaper/1/")).of_class("epaper-region")
        # The name for assistive technology, and the same as a tooltip (the SVG <title>).
        assert [(r["href"], r["aria-label"], r["text"], r["rect"]) for r in regions] == [
            (first.get_absolute_url(), "开局之年看高新", "开局之年看高新", {"x": 5.0, "y": 10.0, "width": 90.0, "height": 15.0}),
            (second.get_absolute_url(), "园区企业新春忙", "园区企业新春忙", {"x": 5.0, "y": 30.0, "width": 90.0, "height": 15.0}),
        ]

    def test_an_article_running_across_columns_has_a_region_for_each(self, client, make_issue, make_article, make_edition):
        issue = make_issue(1)
        story = make_article("跨栏的文章", issue=issue)
        columns = [{"article": story.pk, "x": 0.05, "y": 0.5, "w": 0.3, "h": 0.4},
                   {"article": story.pk, "x": 0.35, "y": 0.5, "w": 0.3, "h": 0.125}]
        make_edition(issue, [[story]], regions={1: columns})
        elements = parsed(client.get("/epaper/1/"))
        assert [(r["rect"], r.get("tabindex")) for r in elements.of_class("epaper-region")] == [
            ({"x": 5.0, "y": 50.0, "width": 30.0, "height": 40.0}, None),
            # The keyboard stops once an article; its other columns are for the mouse and fingers.
            ({"x": 35.0, "y": 50.0, "width": 30.0, "height": 12.5}, "-1"),
        ]
        # Listed once, however many regions it has.
        listed = [a["text"] for a in elements.links if a.get("href") == story.get_absolute_url() and "class" not in a]
        assert listed == ["跨栏的文章"]

    def test_the_page_lists_its_articles_in_reading_order(self, client, two_pages):
        html = client.get("/epaper/1/").content.decode()
        section = html[html.index('id="page-articles-heading"'):html.index('id="page-list-heading"')]
        assert [a["text"] for a in Elements(section).links] == ["开局之年看高新", "园区企业新春忙"]

    def test_second_page_shows_its_own_articles_and_image(self, client, two_pages):
        edition, (_, _, third) = two_pages
        elements = parsed(client.get("/epaper/1/2/"))
        assert [r["href"] for r in elements.of_class("epaper-region")] == [third.get_absolute_url()]
        assert elements.first("img", **{"class": "epaper-page__image"})["alt"] == "第1期第2版"
        assert elements.first("a", rel="prev")["href"] == "/epaper/1/"
        assert [t for t, a in elements.tags if a.get("rel") == "next"] == []

    def test_page_list_names_every_page_and_marks_the_current_one(self, client, two_pages):
        elements = parsed(client.get("/epaper/1/2/"))
        pages = [a for a in elements.links if a["text"].startswith("第") and a["text"].endswith("版")]
        assert [(a["href"], a["text"], a.get("aria-current")) for a in pages] == [
            ("/epaper/1/", "第1版", None), ("/epaper/1/2/", "第2版", "page"),
        ]

    def test_first_page_links_to_the_next_page_the_pdf_the_issue_and_the_full_image(self, client, two_pages):
        edition, _ = two_pages
        elements = parsed(client.get("/epaper/1/"))
        by_text = {a["text"]: a["href"] for a in elements.links}
        assert (by_text["下一版"], by_text["下载 PDF（78 字节）"], by_text["本期文章"], by_text["往期数字报"], by_text["放大"]) == (
            "/epaper/1/2/", "/epaper/1/pdf/", "/issues/1/", "/epaper/", default_storage.url(edition.pages[0]["images"]["1600"]),
        )
        assert "上一版" not in by_text

    def test_page_one_has_one_canonical_address(self, client, two_pages):
        html = client.get("/epaper/1/1/").content.decode()
        assert '<link rel="canonical" href="http://testserver/epaper/1/">' in html

    def test_previous_and_next_issue_skip_issues_without_a_ready_edition(self, client, make_issue, make_article, make_edition):
        for number in (1, 2, 3, 4, 5):
            issue = make_issue(number, date=datetime.date(2026, 1, number))
            article = make_article(f"第{number}期的文章", issue=issue)
            if number == 2:
                make_edition(issue, [[article]], status=PrintEdition.Status.FAILED)
            elif number != 4:
                make_edition(issue, [[article]])
        by_text = {a["text"]: a["href"] for a in parsed(client.get("/epaper/3/")).links}
        assert (by_text["上一期"], by_text["下一期"]) == ("/epaper/1/", "/epaper/5/")
        newest = {a["text"] for a in parsed(client.get("/epaper/5/")).links}
        assert ("上一期" in newest, "下一期" in newest) == (True, False)


@pytest.mark.django_db
class TestVisibility:
    def test_an_article_unpublished_after_printing_is_neither_clickable_nor_listed(self, client, two_pages):
        _, (first, second, _) = two_pages
        Article.objects.filter(pk=first.pk).update(status=Article.Status.DRAFT)
        elements = parsed(client.get("/epaper/1/"))
        assert [r["aria-label"] for r in elements.of_class("epaper-region")] == ["园区企业新春忙"]
        assert first.get_absolute_url() not in {a["href"] for a in elements.links}

    def test_a_page_whose_articles_are_all_withdrawn_says_so(self, client, two_pages):
        _, (_, _, third) = two_pages
        Article.objects.filter(pk=third.pk).update(status=Article.Status.DRAFT)
        response = client.get("/epaper/1/2/")
        elements = parsed(response)
        assert elements.of_class("epaper-region") == []
        assert "本版没有可阅读的文章。" in response.content.decode()

    @pytest.mark.parametrize("status", [PrintEdition.Status.PENDING, PrintEdition.Status.RENDERING, PrintEdition.Status.FAILED])
    def test_an_edition_not_ready_is_not_found(self, client, make_issue, make_article, make_edition, status):
        issue = make_issue(1)
        make_edition(issue, [[make_article(issue=issue)]], status=status)
        assert [client.get(url).status_code for url in ("/epaper/1/", "/epaper/1/1/", "/epaper/1/pdf/")] == [404] * 3

    @pytest.mark.parametrize("status", [PrintEdition.Status.PENDING, PrintEdition.Status.RENDERING, PrintEdition.Status.FAILED])
    def test_while_printed_again_or_after_a_failed_reprint_the_last_edition_stays(
            self, client, make_issue, make_article, make_edition, status):
        issue = make_issue(1)
        make_edition(issue, [[make_article("旧版文章", issue=issue)]], status=status, made_before=True)
        assert [client.get(url).status_code for url in ("/epaper/1/", "/epaper/1/1/", "/epaper/1/pdf/")] == [200] * 3
        assert 'aria-label="旧版文章"' in client.get("/epaper/1/").content.decode()
        assert "/epaper/1/pdf/" in client.get("/issues/1/").content.decode()

    def test_a_ready_edition_of_a_draft_issue_is_not_found(self, client, make_issue, make_article, make_edition):
        issue = make_issue(1, status="draft")
        make_edition(issue, [[make_article(issue=issue)]])
        assert [client.get(url).status_code for url in ("/epaper/1/", "/epaper/1/pdf/")] == [404, 404]
        assert "/epaper/1/" not in client.get("/epaper/").content.decode()

    def test_an_issue_withdrawn_after_printing_is_not_found(self, client, two_pages):
        edition, _ = two_pages
        edition.issue.status = "draft"
        edition.issue.save()
        assert client.get("/epaper/1/").status_code == 404

    def test_an_edition_without_pages_has_no_page_to_show(self, client, make_issue, make_edition):
        make_edition(make_issue(1), [])
        assert (client.get("/epaper/1/").status_code, client.get("/epaper/").status_code) == (404, 200)

    def test_an_issue_without_an_edition_is_not_found(self, client, make_issue, make_article):
        make_article(issue=make_issue(1))
        assert client.get("/epaper/1/").status_code == 404

    @pytest.mark.parametrize("url", ["/epaper/1/0/", "/epaper/1/3/", "/epaper/1/99999999999999999999/", "/epaper/2/",
                                     "/epaper/99999999999999999999999/", "/epaper/1/-1/", "/epaper/1/x/"])
    def test_pages_and_issues_that_do_not_exist_are_not_found(self, client, two_pages, url):
        assert client.get(url).status_code == 404


@pytest.fixture
def three_years(make_issue, make_article, make_edition):
    """Ready editions on 2024-12-30, 2025-01-06 and 2026-03-02 (a Monday each), and issue 4 of
    2026-03-09 whose edition failed."""
    for number, day in enumerate(["2024-12-30", "2025-01-06", "2026-03-02", "2026-03-09"], start=1):
        issue = make_issue(number, date=datetime.date.fromisoformat(day), title=f"标题{number}")
        status = PrintEdition.Status.FAILED if number == 4 else PrintEdition.Status.READY
        make_edition(issue, [[make_article(f"文章{number}", issue=issue)]], status=status)


def day_links(elements) -> list[tuple[str, str, str]]:
    return [(a["href"], a["text"], a["aria-label"]) for a in elements.links if a.get("href", "").startswith("/epaper/")
            and a["text"].isdigit()]


@pytest.mark.django_db
class TestArchive:
    def test_shows_the_newest_year_with_twelve_months_and_the_newest_issue(self, client, three_years):
        response = client.get("/epaper/")
        elements = parsed(response)
        assert elements.captions == [f"2026年{m}月" for m in range(1, 13)]
        assert day_links(elements) == [("/epaper/3/", "2", "3月2日 第3期")]
        newest = response.content.decode()
        newest = newest[newest.index('id="newest-heading"'):newest.index('id="calendar-heading"')]
        assert [(a["href"], a["text"]) for a in Elements(newest).links] == [("/epaper/3/", ""), ("/epaper/3/", "第3期")]
        front = Elements(newest).first("img")
        assert (front["alt"], front["src"]) == ("第3期第1版", default_storage.url("editions/3/1-abcdef012345/page-1-800.jpg"))

    def test_months_start_on_monday(self, client, three_years):
        html = client.get("/epaper/").content.decode()
        march = html[html.index("<caption>2026年3月</caption>"):html.index("<caption>2026年4月</caption>")]
        assert re.findall(r'<th scope="col">(.+?)</th>', march) == ["周一", "周二", "周三", "周四", "周五", "周六", "周日"]
        # 2026-03-01 is a Sunday: the first week is six empty days, then the 1st.
        first_week = re.search(r"<tr><td>.*?</tr>", march).group()
        assert re.findall(r"<td>(.*?)</td>", first_week) == ["", "", "", "", "", "", "1"]

    def test_year_links_lead_to_other_years(self, client, three_years):
        elements = parsed(client.get("/epaper/"))
        years = [(a["href"], a["text"], a.get("aria-current")) for a in elements.links if a["href"].startswith("?year=")]
        assert years == [("?year=2026", "2026", "page"), ("?year=2025", "2025", None), ("?year=2024", "2024", None)]

    def test_another_year_shows_its_issues(self, client, three_years):
        elements = parsed(client.get("/epaper/?year=2024"))
        assert elements.captions[0] == "2024年1月"
        assert day_links(elements) == [("/epaper/1/", "30", "12月30日 第1期")]

    @pytest.mark.parametrize("year", ["", "abc", "2023", "0", "-2025", "２０２５", "2025.0", "9" * 30, "%"])
    def test_a_year_without_editions_or_not_a_year_shows_the_newest(self, client, three_years, year):
        elements = parsed(client.get("/epaper/", {"year": year}))
        assert day_links(elements) == [("/epaper/3/", "2", "3月2日 第3期")]

    def test_two_issues_on_one_day_link_the_day_to_the_first(self, client, make_issue, make_article, make_edition):
        for number in (7, 8):
            issue = make_issue(number, date=datetime.date(2026, 5, 4))
            make_edition(issue, [[make_article(issue=issue)]])
        assert day_links(parsed(client.get("/epaper/"))) == [("/epaper/7/", "4", "5月4日 第7期")]

    def test_no_editions_yet(self, client, make_issue):
        make_issue(1)
        response = client.get("/epaper/")
        assert "还没有数字报。" in response.content.decode()
        assert parsed(response).captions == []

    def test_canonical_address_keeps_a_year_that_is_not_the_default(self, client, three_years):
        assert '<link rel="canonical" href="http://testserver/epaper/?year=2025">' in client.get("/epaper/?year=2025").content.decode()
        assert '<link rel="canonical" href="http://testserver/epaper/">' in client.get("/epaper/?year=2026").content.decode()


@pytest.mark.django_db
class TestPdf:
    def test_streams_the_stored_pdf_inline_with_a_chinese_name(self, client, two_pages):
        SiteInfo.objects.create(name="高新区通讯")
        response = client.get("/epaper/1/pdf/")
        assert (response.status_code, response["Content-Type"], b"".join(response.streaming_content)) == (
            200, "application/pdf", PDF_BYTES,
        )
        # 高新区通讯-第1期.pdf, percent-encoded as RFC 5987 asks.
        assert response["Content-Disposition"] == (
            "inline; filename*=UTF-8''%E9%AB%98%E6%96%B0%E5%8C%BA%E9%80%9A%E8%AE%AF-%E7%AC%AC1%E6%9C%9F.pdf"
        )

    def test_a_missing_file_is_not_found(self, client, two_pages):
        edition, _ = two_pages
        default_storage.delete(edition.pdf.name)
        assert client.get("/epaper/1/pdf/").status_code == 404


@pytest.mark.django_db
class TestIssuePage:
    def test_a_ready_edition_is_offered_with_the_pdf_size(self, client, two_pages):
        html = client.get("/issues/1/").content.decode()
        links = {a["text"]: a["href"] for a in Elements(html).links}
        assert (links["阅读数字报"], links["下载 PDF（78 字节）"]) == ("/epaper/1/", "/epaper/1/pdf/")

    def test_an_edition_not_ready_is_not_offered(self, client, make_issue, make_article, make_edition):
        issue = make_issue(1)
        make_edition(issue, [[make_article(issue=issue)]], status=PrintEdition.Status.RENDERING)
        html = client.get("/issues/1/").content.decode()
        assert "/epaper/1/" not in html

    def test_the_edition_costs_the_issue_page_no_query(self, client, two_pages):
        """It comes with the issue (select_related): the page's budget in tests/test_public_queries.py stands."""
        from tests.test_public_queries import BUDGETS as PUBLIC_BUDGETS

        with CaptureQueriesContext(connection) as captured:
            assert client.get("/issues/1/").status_code == 200
        assert len(captured) == PUBLIC_BUDGETS["/issues/1/"] + VERSION_READ

    def test_the_site_nav_leads_to_the_epaper(self, client, make_issue):
        make_issue(1)
        nav = Elements(client.get("/").content.decode())
        assert [a["href"] for a in nav.links if a["text"] == "数字报"] == ["/epaper/", "/epaper/"]  # header and footer


# The views' own queries; every public request also reads the content version once
# (tests/test_public_queries.py), which the counts below include.
VERSION_READ = 1
BUDGETS = {
    "page": 3,  # the edition with its issue, the readable articles of every page, the neighbouring issues
    "archive": 3,  # the years, the newest edition, the year's issues
    "pdf": 2,  # the edition with its issue, the site's name for the file name
}


@pytest.fixture
def editions_of_size(make_issue, make_article, make_edition):
    """`issues` issues of `pages` pages with `per_page` articles each, all printed."""

    def make(*, issues, pages, per_page):
        for number in range(1, issues + 1):
            issue = make_issue(number, date=datetime.date(2026, 1, 1) + datetime.timedelta(days=7 * number))
            layout = [[make_article(f"{number}-{p}-{n}", issue=issue, position=p * 10 + n) for n in range(per_page)]
                      for p in range(pages)]
            make_edition(issue, layout)

    return make


@pytest.mark.django_db
class TestQueryBudgets:
    @pytest.mark.parametrize("size", [{"issues": 1, "pages": 1, "per_page": 1}, {"issues": 3, "pages": 4, "per_page": 5}])
    @pytest.mark.parametrize("page", list(BUDGETS))
    def test_page_runs_its_pinned_number_of_queries(self, client, editions_of_size, page, size):
        editions_of_size(**size)
        url = {"page": "/epaper/1/", "archive": "/epaper/", "pdf": "/epaper/1/pdf/"}[page]
        with CaptureQueriesContext(connection) as captured:
            assert client.get(url).status_code == 200
        assert len(captured) == BUDGETS[page] + VERSION_READ


@pytest.mark.django_db
class TestPageCache:
    """The 数字报's pages go through the public pages' cache like every other (newsroom/page_cache.py)."""

    @pytest.mark.parametrize("url", ["/epaper/", "/epaper/1/", "/epaper/1/2/"])
    def test_a_page_seen_before_is_answered_304_and_otherwise_from_the_cache(self, client, two_pages, url):
        first = client.get(url)
        assert (first.status_code, first["Cache-Control"].split(",")[0]) == (200, "public")
        assert client.get(url, HTTP_IF_NONE_MATCH=first["ETag"]).status_code == 304
        with CaptureQueriesContext(connection) as captured:
            again = client.get(url)
        assert (again.content, len(captured)) == (first.content, VERSION_READ)


@pytest.mark.django_db
class TestHostileInput:
    def test_no_entry_of_the_fuzz_corpus_gives_a_server_error(self, client, two_pages):
        """tests/test_fuzz.py sends the corpus to every route, but its world has no print edition."""
        from tests.test_fuzz import CORPUS, encoded

        urls = [f"/epaper/?year={encoded(e)}" for e in CORPUS]
        urls += [f"/epaper/1/{encoded(e)}/" for e in CORPUS] + [f"/epaper/{encoded(e)}/" for e in CORPUS]
        urls += [f"/epaper/1/?year={encoded(e)}&page={encoded(e)}" for e in CORPUS]
        failures = [url for url in urls if client.get(url).status_code >= 500]
        assert failures == []
