"""Models: the one visibility rule, slugs, the version counter and the body sanitizer."""
import datetime as dt
from pathlib import Path

import pytest
from django.utils import timezone
from pypinyin import lazy_pinyin

from articles.models import Article
from newsroom.models import Issue, Reporter
from newsroom.text.slugs import pinyin_slug, slugify
from zones.models import Zone

NOW = timezone.now()


def article(issue=None, *, status="published", publish_at=NOW - dt.timedelta(hours=1), headline="标题"):
    return Article.objects.create(issue=issue, headline=headline, status=status, publish_at=publish_at, body="<p>正文。</p>")


@pytest.mark.django_db
class TestPublishedRule:
    def test_published_article_in_published_issue_is_public(self):
        issue = Issue.objects.create(number=1, date=dt.date(2025, 1, 15), status="published")
        public = article(issue)
        assert list(Article.objects.published()) == [public]

    def test_web_only_article_without_issue_is_public(self):
        assert Article.objects.published().count() == 0
        article(None)
        assert Article.objects.published().count() == 1

    @pytest.mark.parametrize("status", ["draft", "review", "archived"])
    def test_other_statuses_are_hidden(self, status):
        article(None, status=status)
        assert Article.objects.published().count() == 0

    def test_scheduled_article_is_hidden_until_due(self):
        # Measured from now, not from import time: a slow suite can outlive a short offset.
        article(None, publish_at=timezone.now() + dt.timedelta(days=1))
        assert Article.objects.published().count() == 0

    def test_missing_publish_at_is_hidden(self):
        article(None, publish_at=None)
        assert Article.objects.published().count() == 0

    def test_article_of_unpublished_issue_is_hidden(self):
        issue = Issue.objects.create(number=1, date=dt.date(2025, 1, 15), status="draft")
        article(issue)
        assert Article.objects.published().count() == 0


class TestSlugs:
    def test_han_becomes_pinyin(self):
        assert pinyin_slug("国家高新区忙开局奋力“开门红”") == "guo-jia-gao-xin-qu-mang-kai-ju-fen-li-kai-men-hong"

    def test_latin_words_stay_whole(self):
        assert pinyin_slug("siRNA药物 BPR-30221616") == "sirna-yao-wu-bpr-30221616"

    def test_slug_is_bounded(self):
        assert len(pinyin_slug("国家高新区" * 40)) <= 80

    def test_same_slugs_as_pypinyin_lazy_pinyin(self, seed_bytes):
        """The process-wide converter spells exactly as lazy_pinyin() did: every Han character
        alone, polyphonic phrases, every zone name and every line of the seed issue."""
        zones = (Path(__file__).resolve().parent.parent / "zones" / "data" / "national_hitech_zones.csv").read_text("utf-8")
        texts = [chr(code) for code in range(0x3400, 0xA000)]
        texts += ["重庆银行行长", "长大了", "朝阳区朝气", "绿色女足", "音乐乐观", "siRNA药物 BPR-30221616", "", "！！！"]
        texts += zones.splitlines() + seed_bytes.decode("utf-8").splitlines()
        differing = [text for text in texts if pinyin_slug(text) != slugify("-".join(lazy_pinyin(text)))[:80].strip("-")]
        assert differing == []


@pytest.mark.django_db
class TestModelSaves:
    def test_reporter_slugs_are_unique(self):
        assert Reporter.objects.create(name="刘琴").slug == "liu-qin"
        assert Reporter.objects.create(name="柳琴").slug == "liu-qin-2"

    def test_editor_can_add_a_zone_and_aliases_are_normalised(self):
        zone = Zone.objects.create(name="宿迁高新区", aliases="宿迁高新技术产业开发区；宿迁国家高新区\n")
        assert (zone.slug, zone.aliases) == ("su-qian-gao-xin-qu", "宿迁高新技术产业开发区;宿迁国家高新区")
        assert zone.names == ["宿迁高新区", "宿迁高新技术产业开发区", "宿迁国家高新区"]

    def test_every_save_bumps_the_version_and_refreshes_the_slug(self):
        a = article(None, headline="第一版")
        assert (a.version, a.slug) == (1, "di-yi-ban")
        a.headline = "第二版"
        a.save()
        a.refresh_from_db()
        assert (a.version, a.slug) == (2, "di-er-ban")

    def test_body_is_sanitized_on_save(self):
        a = Article.objects.create(headline="标题", body='<p onclick="x()">正文<script>alert(1)</script></p><img src=x onerror=alert(1)>')
        a.refresh_from_db()
        assert a.body == "<p>正文</p>"
