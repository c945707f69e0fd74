"""The loader: idempotent re-imports, conflicts with editors' changes, atomic writes."""
import datetime as dt
import hashlib

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

        def failing(article, parsed, **kwargs):
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


@pytest.mark.django_db
class TestDuplicateText:
    """A file whose text is already an issue, whatever its number, encoding or line ends."""

    def test_same_text_under_another_number_is_refused_with_the_existing_number(self):
        run(number=1)
        with pytest.raises(ImportFailed) as e:
            run(number=2, source_name="copy.txt")
        assert str(e.value) == "copy.txt：内容与第 1 期（issue.txt）相同，未导入；确实要再导入一份，请加 --allow-duplicate。"
        assert list(Issue.objects.values_list("number", flat=True)) == [1]

    def test_same_text_in_another_encoding_is_the_same_text(self):
        run(number=1)
        other_bytes = ISSUE.replace("\n", "\r\n").encode("gb18030")
        with pytest.raises(ImportFailed, match="内容与第 1 期（issue.txt）相同"):
            import_issue(data=other_bytes, source_name="gbk.txt", number=2)
        assert Issue.objects.count() == 1

    def test_dry_run_says_so_too(self):
        run(number=1)
        with pytest.raises(ImportFailed, match="内容与第 1 期"):
            run(number=2, dry_run=True)

    def test_allow_duplicate_imports_a_second_copy(self):
        run(number=1)
        result = run(number=2, source_name="copy.txt", allow_duplicate=True)
        assert (result.issue.number, result.issue_created) == (2, True)
        assert Article.objects.filter(issue__number=2).count() == 2

    def test_same_text_without_a_number_goes_to_the_issue_that_has_it(self):
        run(number=4)
        result = import_issue(data=ISSUE.replace("\n", "\r\n").encode("utf-16"), source_name="other.txt")
        assert (result.issue.number, result.issue_created, [p.action for p in result.plans]) == (4, False, [UNCHANGED, UNCHANGED])
        assert Issue.objects.count() == 1

    def test_same_file_to_the_same_number_is_unchanged(self):
        run(number=1)
        result = run(number=1)
        assert [p.action for p in result.plans] == [UNCHANGED, UNCHANGED] and not result.changed

    def test_changed_file_becoming_another_issues_text_is_refused(self):
        run(number=1)
        run(ISSUE.replace("第一段", "另一期"), number=2, source_name="two.txt")
        with pytest.raises(ImportFailed, match="内容与第 1 期（issue.txt）相同"):
            run(number=2, source_name="two.txt")
        assert "另一期" in Article.objects.get(issue__number=2, position=1).body

    def test_issues_keep_the_hash_of_their_text_with_lf_line_ends(self):
        import_issue(data=ISSUE.replace("\n", "\r\n").encode(), source_name="crlf.txt")
        issue = Issue.objects.get()
        assert issue.source_text_sha256 == hashlib.sha256(ISSUE.encode()).hexdigest()
        assert issue.source_sha256 == hashlib.sha256(ISSUE.replace("\n", "\r\n").encode()).hexdigest()


@pytest.mark.django_db
class TestWritingRaces:
    """What is left to collide under the import lock: rows written by hand at the same moment."""

    def test_number_taken_meanwhile_is_planned_again(self, monkeypatch):
        Issue.objects.create(number=1, date=dt.date(2025, 1, 1))
        stale = iter([1])  # the first plan read the numbers before an editor added issue 1
        real = loader.next_issue_number
        monkeypatch.setattr(loader, "next_issue_number", lambda: next(stale, None) or real())
        result = run()
        assert result.issue.number == 2
        assert list(Issue.objects.order_by("number").values_list("number", "source_name")) == [(1, ""), (2, "issue.txt")]

    def test_article_saved_after_it_was_planned_is_planned_again(self, monkeypatch):
        """The write is conditional on the version planned from; a newer one means plan again, not overwrite."""
        run()
        real, plans = loader.plan_import, []

        def plan_from_an_older_read(*args, **kwargs):
            result = real(*args, **kwargs)
            if not plans:  # as if an editor had saved each article right after this plan read it
                for plan in result.plans:
                    plan.article.version -= 1
            plans.append(result)
            return result

        monkeypatch.setattr(loader, "plan_import", plan_from_an_older_read)
        result = run(ISSUE.replace("第一段", "第一段改"))
        assert len(plans) == 2
        assert [p.action for p in result.plans] == [UPDATE, UNCHANGED]
        assert [a.version for a in Article.objects.order_by("position")] == [2, 1]

    def test_gives_up_with_one_line_after_repeated_collisions(self, monkeypatch):
        Issue.objects.create(number=1, date=dt.date(2025, 1, 1))
        monkeypatch.setattr(loader, "next_issue_number", lambda: 1)
        with pytest.raises(ImportFailed) as e:
            run()
        assert str(e.value).startswith("issue.txt：写入时连续 3 次与同时进行的其他修改冲突，未导入（")
        assert "\n" not in str(e.value)
        assert Article.objects.count() == 0

    def test_busy_database_is_one_line(self, settings):
        from django.db import OperationalError

        message = loader.database_error_message(OperationalError("database is locked"))
        if settings.DATABASES["default"]["ENGINE"].endswith("sqlite3"):
            assert message == "数据库被其他写入占用，等了 60 秒仍未轮到，未导入；请稍后重试。"
        else:
            assert message == "数据库被其他写入占用，未导入；请稍后重试。"

    def test_other_database_errors_are_one_line(self):
        from django.db import DataError

        message = loader.database_error_message(DataError("value too long for type character varying(50)\nDETAIL: x"))
        assert message == "写入数据库失败，未导入（value too long for type character varying(50)）。"


@pytest.mark.django_db
class TestRecordChecks:
    def test_too_long_reporter_name_is_refused_with_the_line(self):
        name = "张" * 51
        with pytest.raises(ImportFailed) as e:
            run(f"标题一\n\n► {name}\n\n正文。\n", source_name="long.txt")
        assert str(e.value) == "long.txt 第 1 行：《标题一》的署名“张张张张张张张张张张张张…”太长（51 字），名字最多 50 字。"
        assert Reporter.objects.count() == 0

    def test_character_errors_name_line_and_column(self):
        with pytest.raises(ImportFailed) as e:
            run("标题一\n\n► 张三\n\n正文\ue000。\n", source_name="pua.txt")
        assert str(e.value) == "pua.txt 第 5 行第 3 列：含有私用区字符 U+E000，读者的设备无法显示。"

    def test_zero_width_name_is_the_existing_reporter(self):
        Reporter.objects.create(name="张三丰")
        run("标题一\n\n► 张\u200b三丰\n\n正文。\n")
        assert list(Reporter.objects.values_list("name", flat=True)) == ["张三丰"]
        assert list(Article.objects.get().reporters.values_list("name", flat=True)) == ["张三丰"]
