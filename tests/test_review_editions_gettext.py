"""The words the print edition and the 数字报 calendar print themselves (the masthead, the
报尾's labels, the date, the weekdays) go through gettext like every other UI text: with a
catalogue that marks each message, each comes out marked."""
import datetime

import pytest
from django.utils import translation

from newsroom.editions import printing
from newsroom.editions.models import PrintEdition, SiteInfo

pytestmark = pytest.mark.django_db


@pytest.fixture
def marked(monkeypatch):
    """gettext answers ‹message›: text that did not go through it stays unmarked."""
    monkeypatch.setattr(translation._trans, "gettext", lambda message: f"‹{message}›")


def internal_site() -> SiteInfo:
    return SiteInfo(name="高新区周报", sponsor="某某高新区管委会", publisher="编辑部", internal=True,
                    permit_number="京内资准字2026-L0001号", distribution="区内企业", printer="某某印刷厂", print_run=3000)


class TestPrintWords:
    def test_the_masthead_goes_through_gettext(self, make_issue, marked):
        issue = make_issue(number=5, date=datetime.date(2026, 11, 29))
        html = printing.issue_print_html(issue, internal_site(), articles=[])
        assert "<title>‹高新区周报 第5期›</title>" in html
        assert '<p class="masthead__permit">‹准印证号：京内资准字2026-L0001号›</p>' in html
        assert '<p class="masthead__number">‹第5期›</p>' in html
        assert '<p class="masthead__date">‹‹2026年11月29日› ‹星期日››</p>' in html

    def test_a_public_paper_s_sponsor_goes_through_gettext(self, make_issue, marked):
        issue = make_issue(number=5, date=datetime.date(2026, 11, 29))
        site = SiteInfo(name="高新区周报", sponsor="某某高新区管委会")
        html = printing.issue_print_html(issue, site, articles=[])
        assert '<p class="masthead__sponsor">‹主办单位：某某高新区管委会›</p>' in html

    def test_the_colophon_labels_go_through_gettext(self, make_issue, marked):
        issue = make_issue(number=5, date=datetime.date(2026, 11, 29))
        rows = printing.colophon_rows(internal_site(), issue)
        assert [label for label, _value in rows] == [
            "‹主办单位›", "‹编印单位›", "‹网址›", "‹发送对象›", "‹印刷单位›", "‹印数›", "‹印刷日期›", "‹准印证号›"]
        assert dict(rows)["‹印数›"] == "‹3000份›"
        assert dict(rows)["‹印刷日期›"] == "‹2026年11月29日›"
        html = printing.issue_print_html(issue, internal_site(), articles=[])
        assert '<span class="colophon__item">‹‹印数›：‹3000份››</span>' in html

    def test_without_a_catalogue_the_words_are_the_chinese_ones(self, make_issue):
        issue = make_issue(number=5, date=datetime.date(2026, 11, 29))
        html = printing.issue_print_html(issue, internal_site(), articles=[])
        assert '<p class="masthead__date">2026年11月29日 星期日</p>' in html
        assert '<span class="colophon__item">印数：3000份</span>' in html


class TestEpaperCalendar:
    def test_the_weekday_headers_go_through_gettext(self, client, make_issue, marked):
        issue = make_issue(1, date=datetime.date(2026, 3, 2))
        page = {"number": 1, "images": {"800": "editions/1/p.jpg"}, "image_size": {"800": [800, 1132]}}
        PrintEdition.objects.create(issue=issue, status=PrintEdition.Status.READY, pdf="editions/1/i.pdf",
                                    page_count=1, pages=[page])
        html = client.get("/epaper/").content.decode()
        assert '<th scope="col">‹周一›</th>' in html
        assert '<th scope="col">‹周日›</th>' in html
