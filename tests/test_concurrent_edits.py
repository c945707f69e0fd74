"""Version checks decided by the database: a save made from a version that is no longer
current is refused on every write path, and revision numbers stay unique.

The races themselves, with real concurrent clients against gunicorn, are in
tests/test_server_races.py; these tests pin each path's rule one at a time.
"""
import pytest
from django.contrib.messages import get_messages
from django.db import connection
from django.test.utils import CaptureQueriesContext

from articles.models import Article
from articles.revisions import history as revisions
from articles.revisions.history import revision_context
from tests.test_admin_issues import issue_form_data


def message_texts(response) -> list[str]:
    return [str(m) for m in get_messages(response.wsgi_request)]


def change_url(article) -> str:
    return f"/admin/articles/article/{article.pk}/change/"


def version_numbers(article) -> list[int]:
    return [revisions.version_number(v) for v in revisions.article_versions(article=article)]


@pytest.mark.django_db
class TestConditionalSave:
    def test_second_save_from_the_same_version_is_refused(self, draft_article):
        """Two copies read at one version: the first save wins, the second raises and writes nothing."""
        first, second = Article.objects.get(pk=draft_article.pk), Article.objects.get(pk=draft_article.pk)
        first.headline = "第一位编辑的标题"
        first.save()
        second.standfirst = "第二位编辑的导语"
        with pytest.raises(Article.StaleVersion):
            second.save()
        stored = Article.objects.get(pk=draft_article.pk)
        assert (stored.headline, stored.standfirst, stored.version) == ("第一位编辑的标题", "", 2)
        assert second.version == 1

    def test_save_after_reloading_succeeds(self, draft_article):
        """A refused copy that is read again saves normally."""
        stale = Article.objects.get(pk=draft_article.pk)
        draft_article.save()
        stale.refresh_from_db()
        stale.headline = "重新载入后保存"
        stale.save()
        assert Article.objects.get(pk=draft_article.pk).version == 3

    def test_the_update_is_conditional_on_the_version_read(self, draft_article):
        """The version test is in the UPDATE statement itself, not a read before it."""
        with CaptureQueriesContext(connection) as queries:
            draft_article.save()
        [update] = [q["sql"] for q in queries if q["sql"].startswith("UPDATE") and '"version" = 2' in q["sql"]]
        assert '"articles_article"."version" = 1' in update.split("WHERE", 1)[1]

    def test_refused_save_adds_no_revision(self, draft_article):
        """Revision numbers stay unique: a refused save leaves no version with a repeated number."""
        stale = Article.objects.get(pk=draft_article.pk)
        draft_article.save()
        with pytest.raises(Article.StaleVersion), revision_context():
            stale.save()
        assert version_numbers(draft_article) == [2, 1]


@pytest.mark.django_db
class TestChangeFormLocksTheRow:
    def test_version_check_locks_the_row_where_the_database_can(self, editor_client, draft_article, article_form_data):
        """On PostgreSQL the check reads the row FOR UPDATE inside the save's transaction."""
        data = article_form_data(draft_article, headline="锁定后保存")
        with CaptureQueriesContext(connection) as queries:
            response = editor_client.post(change_url(draft_article), data)
        assert response.status_code == 302
        locking = [q["sql"] for q in queries if "FOR UPDATE" in q["sql"] and "articles_article" in q["sql"]]
        assert len(locking) == (1 if connection.features.has_select_for_update else 0)

    def test_consecutive_saves_number_revisions_without_gaps(self, editor_client, draft_article, article_form_data):
        for n in range(3):
            response = editor_client.post(change_url(draft_article), article_form_data(draft_article, headline=f"第{n}次修改"))
            assert response.status_code == 302
        assert version_numbers(draft_article) == [4, 3, 2, 1]


@pytest.mark.django_db
class TestRestoreIsVersionChecked:
    def restore_url(self, article, version) -> str:
        return f"/admin/articles/article/{article.pk}/revisions/{version.pk}/restore/"

    @pytest.fixture
    def two_versions(self, draft_article, second_editor_user):
        with revision_context(user=second_editor_user):
            draft_article.headline = "第二版标题"
            draft_article.save()
        first = revisions.find_version(article=draft_article, number=1)
        return draft_article, first

    def test_revision_page_carries_the_current_version(self, editor_client, two_versions):
        article, first = two_versions
        html = editor_client.get(f"/admin/articles/article/{article.pk}/revisions/{first.pk}/").content.decode()
        assert '<input type="hidden" name="loaded_version" value="2">' in html

    def test_restore_from_a_stale_page_is_refused(self, editor_client, two_versions, second_editor_user):
        article, first = two_versions
        with revision_context(user=second_editor_user):
            article.standfirst = "李明刚写的导语"
            article.save()
        response = editor_client.post(self.restore_url(article, first), {"loaded_version": 2})
        assert response.status_code == 302
        [message] = message_texts(response)
        assert message.startswith("未恢复：《第二版标题》已被李明于")
        assert message.endswith("修改（第3版），请刷新后重试")
        stored = Article.objects.get(pk=article.pk)
        assert (stored.headline, stored.standfirst, stored.version) == ("第二版标题", "李明刚写的导语", 3)

    def test_restore_from_the_current_version_succeeds(self, editor_client, two_versions):
        article, first = two_versions
        response = editor_client.post(self.restore_url(article, first), {"loaded_version": 2})
        assert message_texts(response) == ["已恢复到第1版，并保存为第3版。"]
        assert Article.objects.get(pk=article.pk).headline == "成都高新区发布新政"
        assert version_numbers(article) == [3, 2, 1]


@pytest.mark.django_db
class TestIssueReorderIsVersionChecked:
    @pytest.fixture
    def issue(self, make_issue, make_article):
        issue = make_issue(3, status="draft")
        make_article("第一篇", issue=issue, position=1, status="draft")
        make_article("第二篇", issue=issue, position=2, status="draft")
        return issue

    def test_rows_carry_their_versions(self, editor_client, issue):
        html = editor_client.get(f"/admin/newsroom/issue/{issue.pk}/change/").content.decode()
        for i, article in enumerate(issue.articles.order_by("position")):
            assert f'name="articles-{i}-loaded_version" value="{article.version}"' in html

    def test_reordering_a_changed_article_is_refused_and_keeps_the_form(self, editor_client, second_editor_user, issue):
        stale = issue_form_data(issue, title="编辑正在输入的本期标题", **{"articles-0-position": 2, "articles-1-position": 1})
        first = issue.articles.get(position=1)
        with revision_context(user=second_editor_user):
            first.headline = "第一篇（李明改过）"
            first.save()
        response = editor_client.post(f"/admin/newsroom/issue/{issue.pk}/change/", stale)
        assert response.status_code == 200
        html = response.content.decode()
        assert "编辑正在输入的本期标题" in html
        assert "之后李明于" in html
        stored = Article.objects.get(pk=first.pk)
        assert (stored.headline, stored.position) == ("第一篇（李明改过）", 1)
        assert issue.articles.get(headline="第二篇").position == 2

    def test_reordering_unchanged_articles_saves(self, editor_client, issue):
        data = issue_form_data(issue, **{"articles-0-position": 2, "articles-1-position": 1})
        response = editor_client.post(f"/admin/newsroom/issue/{issue.pk}/change/", data)
        assert response.status_code == 302
        assert list(issue.articles.order_by("position").values_list("headline", flat=True)) == ["第二篇", "第一篇"]
        for article in issue.articles.all():
            assert version_numbers(article) == [2, 1]
