"""The loader: idempotent re-imports, conflicts with editors' changes, atomic writes."""
import datetime as dt

import pytest

from articles.models import Article
from newsroom.importing import loader
from newsroom.importing.loader import (
    CONFLICT,
    CREATE,
    FORCED,
    UNCHANGED,
    UPDATE,
    ImportFailed,
    import_issue,
)
from newsroom.models import Issue, Reporter

ISSUE = "标题一\n\n► 刘琴\n\n成都高新区第一段。\n\n标题二\n\n本报讯 济南高新区第二篇。 韩霄鹏\n"


def run(text: str = ISSUE, **kwargs):
    kwargs.setdefault("source_name", "issue.txt")
    return import_issue(data=text.encode(), **kwargs)


def snapshot():
    return sorted(Article.objects.values_list("pk", "headline", "body", "version", "updated_at"))


@pytest.mark.django_db
class TestImportIssue:
    def test_creates_issue_articles_reporters_and_zones(self):
        result = run(number=3, date=dt.date(2025, 1, 15), title="新年特刊")
        issue = Issue.objects.get()
        assert (issue.number, issue.date, issue.title, issue.status) == (3, dt.date(2025, 1, 15), "新年特刊", "draft")
        assert issue.source_name == "issue.txt" and issue.source_text == ISSUE and len(issue.source_sha256) == 64
        assert [p.action for p in result.plans] == [CREATE, CREATE]
        assert list(Reporter.objects.values_list("name", flat=True)) == ["刘琴", "韩霄鹏"]
        a1, a2 = Article.objects.order_by("position")
        assert list(a1.zones.values_list("name", flat=True)) == ["成都高新区"]
        assert list(a2.zones.values_list("name", flat=True)) == ["济南高新区"]
        assert a2.dateline == "本报讯"
        assert a1.slug == "biao-ti-yi"

    def test_draft_import_is_invisible_and_publish_makes_it_public(self):
        run()
        assert Article.objects.published().count() == 0
        run(publish=True)
        issue = Issue.objects.get()
        assert issue.status == "published" and issue.published_at is not None
        assert Article.objects.published().count() == 2

    def test_default_number_is_next_free_and_default_date_is_today_in_beijing(self):
        Issue.objects.create(number=7, date=dt.date(2024, 1, 1))
        run()
        issue = Issue.objects.get(source_name="issue.txt")
        assert issue.number == 8
        assert issue.date == dt.datetime.now(dt.timezone(dt.timedelta(hours=8))).date()

    def test_same_file_again_changes_nothing(self):
        run(publish=True)
        before = snapshot()
        result = run(publish=True)
        assert [p.action for p in result.plans] == [UNCHANGED, UNCHANGED]
        assert not result.changed
        assert snapshot() == before
        assert Issue.objects.count() == 1 and Reporter.objects.count() == 2

    def test_changed_file_updates_untouched_articles(self):
        run()
        result = run(ISSUE.replace("第一段。", "第一段，改过了。"))
        assert [p.action for p in result.plans] == [UPDATE, UNCHANGED]
        assert "第一段，改过了。" in Article.objects.get(position=1).body
        assert Issue.objects.get().source_text.count("改过了") == 1

    def test_edited_article_is_not_overwritten_and_conflict_is_reported(self):
        run()
        article = Article.objects.get(position=1)
        article.body = "<p>编辑改写的段落。</p>"
        article.save()
        result = run(ISSUE.replace("第一段。", "第一段，文件也改了。"))
        assert [p.action for p in result.plans] == [CONFLICT, UNCHANGED]
        assert Article.objects.get(position=1).body == "<p>编辑改写的段落。</p>"

    def test_force_overwrites_an_edited_article(self):
        run()
        article = Article.objects.get(position=1)
        article.body = "<p>编辑改写的段落。</p>"
        article.save()
        result = run(ISSUE.replace("第一段。", "第一段，文件也改了。"), force=True)
        assert [p.action for p in result.plans] == [FORCED, UNCHANGED]
        assert "文件也改了" in Article.objects.get(position=1).body

    def test_editor_changes_survive_a_reimport_of_the_same_file(self):
        run()
        article = Article.objects.get(position=1)
        article.headline = "编辑改过的标题"
        article.save()
        assert [p.action for p in run().plans] == [UNCHANGED, UNCHANGED]
        assert Article.objects.get(position=1).headline == "编辑改过的标题"

    def test_articles_missing_from_the_new_file_are_kept_and_reported(self):
        run()
        result = run("标题一\n\n► 刘琴\n\n成都高新区第一段。\n")
        assert [a.headline for a in result.stale] == ["标题二"]
        assert Article.objects.count() == 2

    def test_dry_run_writes_nothing(self):
        result = run(dry_run=True)
        assert [p.action for p in result.plans] == [CREATE, CREATE]
        assert (Issue.objects.count(), Article.objects.count(), Reporter.objects.count()) == (0, 0, 0)

    def test_failure_while_writing_writes_nothing(self, monkeypatch):
        calls = []

        def failing(article, parsed):
            calls.append(article.headline)
            if len(calls) == 2:
                raise RuntimeError("disk full")

        monkeypatch.setattr(loader, "write_bylines", failing)
        with pytest.raises(RuntimeError):
            run()
        assert calls == ["标题一", "标题二"]
        assert (Issue.objects.count(), Article.objects.count(), Reporter.objects.count()) == (0, 0, 0)

    def test_bad_file_writes_nothing_and_names_the_line(self):
        with pytest.raises(ImportFailed) as e:
            run("标题一\n\n► 刘琴\n\n第一段。\n\n标题二\n\n► 韩霄鹏\n", source_name="bad.txt")
        assert str(e.value) == "bad.txt 第 7 行：标题“标题二”后面没有正文。"
        assert Issue.objects.count() == 0

    def test_number_taken_by_another_file_needs_force(self):
        run(number=1)
        with pytest.raises(ImportFailed, match="第 1 期已由 issue.txt 导入"):
            run(ISSUE.replace("第一段", "别的"), number=1, source_name="other.txt")
        run(ISSUE.replace("第一段", "别的"), number=1, source_name="other.txt", force=True)
        assert Issue.objects.get(number=1).source_name == "other.txt"

    def test_unknown_zone_names_are_kept_on_the_article(self):
        run("标题一\n\n► 刘琴\n\n近日，宿迁高新区和成都高新区签约。\n")
        article = Article.objects.get()
        assert article.unknown_zones == {"宿迁高新区": 1}
        assert list(article.zones.values_list("name", flat=True)) == ["成都高新区"]


@pytest.mark.django_db
class TestImportAndEditing:
    def test_reimport_keeps_zones_an_editor_removed_or_added(self):
        from articles.models import ZoneMention
        from zones.models import Zone

        run()
        article = Article.objects.get(position=1)
        chengdu, kunming = Zone.objects.get(name="成都高新区"), Zone.objects.get(name="昆明高新区")
        article.excluded_zones.add(chengdu)
        article.zone_mentions.filter(zone=chengdu).delete()
        ZoneMention.objects.create(article=article, zone=kunming, mentions=0, manual=True)
        result = run(ISSUE.replace("第一段。", "第一段，又提到成都高新区。"))
        assert [p.action for p in result.plans] == [UPDATE, UNCHANGED]
        assert list(article.zones.values_list("name", flat=True)) == ["昆明高新区"]

    def test_import_keeps_a_revision_with_bylines_and_zones(self):
        from reversion.models import Version

        from articles.models import Byline, ZoneMention

        run(publish=True)
        article = Article.objects.get(position=1)
        revision = Version.objects.get_for_object(article).first().revision
        assert revision.comment == "从 issue.txt 导入"
        models = {v.content_type.model for v in revision.version_set.all()}
        assert {"article", "byline", "zonemention"} <= models
        assert Byline.objects.filter(article=article).count() == 1
        assert ZoneMention.objects.filter(article=article).count() == 1

    def test_publish_bumps_versions_so_stale_forms_see_it(self):
        run()
        before = Article.objects.get(position=1).version
        run(publish=True)
        article = Article.objects.get(position=1)
        assert article.status == "published" and article.version == before + 1
