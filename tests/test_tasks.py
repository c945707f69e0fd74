"""Background tasks: the re-indexing tasks, how they are enqueued, and their results in the admin."""
import re
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django_tasks_db.models import DBTaskResult

from newsroom import freshness, tasks
from newsroom.tasks import TaskResultStatus, rebuild_search_index, reindex_articles

pytestmark = pytest.mark.django_db

CHANGELIST = "/admin/articles/article/"
RESULTS = "/admin/django_tasks_database/dbtaskresult/"


class TestReindexArticles:
    def test_reindexed_article_is_found(self, make_article, found):
        """The task recomputes the search text of the articles it is given."""
        article = make_article("标题", reporters=(("王小明", "记者"),))
        assert found("小明") == []  # the fixture writes bylines without re-indexing
        assert reindex_articles.call([article.pk]) == 1
        assert found("小明") == [article.pk]

    def test_more_ids_than_a_query_may_carry(self):
        """70,000 ids, more than either database takes in one query, go through in chunks."""
        assert reindex_articles.call(list(range(10**6, 10**6 + 70_000))) == 0

    def test_reindex_is_not_an_edit(self, make_article):
        """Like the rebuild, a re-index neither bumps an article's version nor counts as an edit."""
        article = make_article("标题")
        reindex_articles.call([article.pk])
        article_after = type(article).objects.get(pk=article.pk)
        assert (article_after.version, article_after.updated_at) == (article.version, article.updated_at)

    def test_enqueued_inside_a_transaction_is_stored_with_it(self, make_article):
        """With the database backend the queued task is a row written in the caller's transaction."""
        article = make_article("标题")
        result = reindex_articles.enqueue([article.pk])
        row = DBTaskResult.objects.get(pk=result.id)
        assert (row.task_path, row.status, row.args_kwargs) == (
            "newsroom.tasks.reindex_articles", "READY", {"args": [[article.pk]], "kwargs": {}},
        )


class TestRebuildCommandInBackground:
    def test_background_enqueues_the_rebuild(self):
        """--background stores one task for the worker and says so, without rebuilding here."""
        out = StringIO()
        call_command("rebuild_search_index", "--background", stdout=out)
        row = DBTaskResult.objects.get()
        assert (row.task_path, row.status) == ("newsroom.tasks.rebuild_search_index", "READY")
        assert out.getvalue() == f"已将重建检索索引加入后台任务队列（任务 {row.pk}）。\n"

    def test_background_refuses_another_database(self):
        with pytest.raises(CommandError, match="^--background 只能重建默认数据库的索引（后台任务进程只连接它）。$"):
            call_command("rebuild_search_index", "--background", "--database", "other", stdout=StringIO())
        assert DBTaskResult.objects.count() == 0


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
class TestContentVersion:
    """Search results may have changed, and no signal says so: the tasks say it themselves."""

    def test_reindex_moves_the_version_on_once(self, make_article):
        articles = [make_article("一"), make_article("二")]
        before = freshness.current().number
        assert reindex_articles.call([a.pk for a in articles]) == 2
        assert freshness.current().number == before + 1

    def test_each_chunk_commits_on_its_own(self, make_article, monkeypatch):
        """A long list is written a chunk a transaction, so readers see each chunk as it lands."""
        monkeypatch.setattr(tasks, "REINDEX_CHUNK", 1)
        articles = [make_article("一"), make_article("二")]
        before = freshness.current().number
        assert reindex_articles.call([a.pk for a in articles]) == 2
        assert freshness.current().number == before + 2

    def test_deleted_articles_leave_the_version(self):
        """Ids of articles deleted since the task was enqueued re-index nothing and change nothing."""
        before = freshness.current().number
        assert reindex_articles.call([987654]) == 0
        assert freshness.current().number == before

    def test_the_rebuild_moves_the_version_on_once(self, make_article):
        make_article("一")
        before = freshness.current().number
        assert rebuild_search_index.call() == 1
        assert freshness.current().number == before + 1

    def test_the_rebuild_command_moves_the_version_on(self, make_article):
        make_article("一")
        before = freshness.current().number
        call_command("rebuild_search_index", stdout=StringIO(), stderr=StringIO())
        assert freshness.current().number == before + 1


class TestReindexAction:
    def test_action_enqueues_the_selected_articles(self, editor_client, make_article):
        """重建检索索引 queues one task with the chosen articles and tells the editor."""
        first, second, _ = make_article("一"), make_article("二"), make_article("三")
        response = editor_client.post(
            CHANGELIST, {"action": "reindex_selected", "_selected_action": [second.pk, first.pk]}, follow=True
        )
        row = DBTaskResult.objects.get()
        assert row.args_kwargs == {"args": [[first.pk, second.pk]], "kwargs": {}}
        assert [str(m) for m in response.context["messages"]] == [
            "已将 2 篇文章的检索索引重建交给后台任务，完成后即可检索到。"
        ]

    def test_reporters_are_not_offered_the_action(self, reporter_client):
        response = reporter_client.get(CHANGELIST)
        actions = [name for name, _ in response.context["action_form"].fields["action"].choices]
        assert "reindex_selected" not in actions

    def test_without_a_worker_the_action_reindexes_at_once(self, settings, editor_client, make_article, found):
        """NEWSROOM_TASKS_IMMEDIATE's backend runs the task inside the request, and queues nothing."""
        settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
        article = make_article("标题", reporters=(("王小明", "记者"),))
        editor_client.post(CHANGELIST, {"action": "reindex_selected", "_selected_action": [article.pk]})
        assert found("小明") == [article.pk]
        assert DBTaskResult.objects.count() == 0

    def test_editors_are_offered_the_action(self, editor_client):
        response = editor_client.get(CHANGELIST)
        choices = dict(response.context["action_form"].fields["action"].choices)
        assert choices["reindex_selected"] == "重建检索索引"


@pytest.fixture
def failed_task(make_article):
    """A re-index given an id that is not a number, failed as the worker records a failure."""
    result = reindex_articles.enqueue(["x"])
    row = DBTaskResult.objects.get(pk=result.id)
    with pytest.raises(ValueError) as error:
        reindex_articles.call(["x"])
    row.set_failed(error.value)
    return row


class TestTaskResultsAdmin:
    def test_index_lists_the_task_results_in_chinese(self, admin_client):
        html = admin_client.get("/admin/").content.decode()
        assert f'<a href="{RESULTS}">后台任务</a>' in html
        assert "Task Result" not in html and "Tasks Database Backend" not in html

    def test_failed_task_is_listed_with_its_error(self, admin_client, failed_task):
        response = admin_client.get(RESULTS)
        html = response.content.decode()
        assert [row.pk for row in response.context["cl"].result_list] == [failed_task.pk]
        assert "重建所选文章的检索索引" in html
        assert '<td class="field-status">失败</td>' in html
        assert '<td class="field-error_class">builtins.ValueError</td>' in html

    def test_failed_task_page_shows_the_traceback(self, admin_client, failed_task):
        html = admin_client.get(f"{RESULTS}{failed_task.pk}/change/").content.decode()
        labels = re.findall(r"<label>(.*?)</label>", html)
        assert labels == [
            "编号:", "状态:", "加入队列时间:", "开始时间:", "完成时间:", "参数:", "优先级:", "任务路径:",
            "执行进程:", "队列:", "后端:", "最早执行时间:", "返回值:", "错误类型:", "错误详情:",
        ]
        assert "<h2>重建所选文章的检索索引（失败）</h2>" in html
        assert "ValueError: Field &#x27;id&#x27; expected a number but got &#x27;x&#x27;." in html

    def test_status_filter_is_in_chinese(self, admin_client, failed_task):
        response = admin_client.get(RESULTS)
        spec = next(s for s in response.context["cl"].filter_specs if str(s.title) == "状态")
        assert [str(choice["display"]) for choice in spec.choices(response.context["cl"])] == [
            "全部", "排队中", "执行中", "失败", "已完成",
        ]

    def test_results_cannot_be_changed_or_added(self, admin_client, failed_task):
        assert admin_client.get(f"{RESULTS}add/").status_code == 403
        assert admin_client.post(f"{RESULTS}{failed_task.pk}/delete/", {"post": "yes"}).status_code == 403
        assert DBTaskResult.objects.get(pk=failed_task.pk).status == TaskResultStatus.FAILED
