"""The article workflow (articles.workflow) and issue publishing (newsroom.publishing)."""
import datetime

import pytest
from django.utils import timezone

from articles import dates, workflow
from articles.models import Article, Byline
from newsroom.models import Issue
from newsroom.publishing import issue_publish

S = Article.Status
SHANGHAI = datetime.timezone(datetime.timedelta(hours=8))


class TestTransitionTable:
    @pytest.mark.parametrize(
        ("from_status", "to_status"),
        [(S.DRAFT, S.REVIEW), (S.REVIEW, S.PUBLISHED), (S.PUBLISHED, S.ARCHIVED), (S.ARCHIVED, S.DRAFT),
         (S.REVIEW, S.DRAFT), (S.DRAFT, S.PUBLISHED)],
    )
    def test_allowed_moves(self, from_status, to_status):
        assert to_status in workflow.TRANSITIONS[from_status]

    def test_an_archived_article_cannot_be_published_without_going_back_to_draft(self):
        assert workflow.TRANSITIONS[S.ARCHIVED] == {S.DRAFT}


@pytest.mark.django_db
class TestTransitionProblems:
    def test_editor_may_publish_a_complete_draft(self, editor_user, draft_article):
        assert workflow.transition_problem(user=editor_user, article=draft_article, to_status=S.PUBLISHED) is None

    def test_reporter_may_submit_their_draft(self, reporter_user, draft_article):
        assert workflow.transition_problem(user=reporter_user, article=draft_article, to_status=S.REVIEW) is None

    def test_reporter_may_not_publish(self, reporter_user, draft_article):
        problem = workflow.transition_problem(user=reporter_user, article=draft_article, to_status=S.PUBLISHED)
        assert problem == "《成都高新区发布新政》：你没有权限把文章改为“已发布”"

    def test_archived_to_published_is_refused_for_everyone(self, editor_user, make_article):
        article = make_article("旧闻", status="archived")
        problem = workflow.transition_problem(user=editor_user, article=article, to_status=S.PUBLISHED)
        assert problem == "《旧闻》不能从“已归档”改为“已发布”"

    def test_publishing_names_what_is_missing(self, editor_user, make_article):
        article = make_article("空稿", status="draft", body="", reporters=())
        problem = workflow.transition_problem(user=editor_user, article=article, to_status=S.PUBLISHED)
        assert problem == "《空稿》缺少正文、记者"


@pytest.mark.django_db
class TestEditRule:
    def test_reporter_edits_own_draft(self, reporter_user, draft_article):
        assert workflow.can_edit(user=reporter_user, article=draft_article) is True

    def test_reporter_cannot_edit_own_article_once_submitted(self, reporter_user, draft_article):
        Article.objects.filter(pk=draft_article.pk).update(status=S.REVIEW)
        assert workflow.can_edit(user=reporter_user, article=draft_article) is False

    def test_unsaved_status_does_not_change_who_may_edit(self, reporter_user, draft_article):
        """A refused form copies its status onto the instance; the stored draft still decides."""
        draft_article.status = S.PUBLISHED
        assert workflow.can_edit(user=reporter_user, article=draft_article) is True

    def test_reporter_cannot_edit_someone_elses_draft(self, reporter_user, make_article):
        article = make_article("济南高新区", status="draft", reporters=[("韩霄鹏", "记者")])
        assert workflow.can_edit(user=reporter_user, article=article) is False

    def test_editor_edits_anything(self, editor_user, make_article):
        article = make_article("济南高新区", status="published", reporters=[("韩霄鹏", "记者")])
        assert workflow.can_edit(user=editor_user, article=article) is True


@pytest.mark.django_db
class TestStatusLabel:
    def test_future_publication_is_shown_as_scheduled_in_beijing_time(self, make_article):
        article = make_article(publish_at=datetime.datetime(2099, 1, 15, 8, 0, tzinfo=SHANGHAI))
        assert workflow.status_label(article) == "已排期 · 2099-01-15 08:00"

    def test_utc_input_is_shown_in_beijing_time(self, make_article):
        article = make_article(publish_at=datetime.datetime(2099, 1, 15, 0, 0, tzinfo=datetime.UTC))
        assert workflow.status_label(article) == "已排期 · 2099-01-15 08:00"

    def test_due_publication_is_published(self, make_article):
        assert workflow.status_label(make_article()) == "已发布"

    def test_draft(self, draft_article):
        assert workflow.status_label(draft_article) == "草稿"

    def test_published_article_of_a_draft_issue_waits_for_the_issue(self, make_article, make_issue):
        article = make_article(issue=make_issue(7, status="draft"))
        assert workflow.status_label(article) == "已发布 · 待本期发布"


@pytest.mark.django_db
class TestArticlesTransition:
    def test_publishing_without_a_date_publishes_now(self, editor_user, draft_article):
        before = timezone.now()
        workflow.articles_transition(articles=[draft_article], to_status=S.PUBLISHED, user=editor_user)
        draft_article.refresh_from_db()
        assert draft_article.status == S.PUBLISHED
        assert draft_article.publish_at >= before

    def test_a_future_date_is_kept_so_the_article_is_scheduled(self, editor_user, draft_article):
        future = timezone.now() + datetime.timedelta(days=3)
        Article.objects.filter(pk=draft_article.pk).update(publish_at=future)
        workflow.articles_transition(articles=[draft_article], to_status=S.PUBLISHED, user=editor_user)
        draft_article.refresh_from_db()
        assert draft_article.publish_at == future
        assert not Article.objects.published().filter(pk=draft_article.pk).exists()

    def test_one_refusal_changes_nothing(self, editor_user, draft_article, make_article):
        empty = make_article("空稿", status="draft", body="")
        with pytest.raises(workflow.WorkflowError) as error:
            workflow.articles_transition(articles=[draft_article, empty], to_status=S.PUBLISHED, user=editor_user)
        assert error.value.problems == ["《空稿》缺少正文"]
        assert list(Article.objects.values_list("status", flat=True).order_by("pk")) == ["draft", "draft"]

    def test_a_stale_version_is_refused_naming_who_changed_it(self, editor_user, second_editor_user, draft_article):
        shown = draft_article.version
        with workflow.revision_context(user=second_editor_user):
            draft_article.headline = "成都高新区发布新政（更新）"
            draft_article.save()
        with pytest.raises(workflow.WorkflowError) as error:
            workflow.articles_transition(
                articles=[draft_article], to_status=S.REVIEW, user=editor_user, loaded_versions={draft_article.pk: shown}
            )
        when = dates.format_local(timezone.now())
        assert error.value.problems == [
            f"《成都高新区发布新政（更新）》已被李明于{when}修改（第{shown + 1}版），请刷新后重试"
        ]


@pytest.mark.django_db
class TestIssuePublish:
    @pytest.fixture
    def issue(self, make_issue, make_article):
        issue = make_issue(3, status="draft")
        make_article("第一篇", issue=issue, position=1, status="draft")
        make_article("第二篇", issue=issue, position=2, status="review")
        return issue

    def test_publishes_issue_and_articles_together(self, issue, editor_user):
        result = issue_publish(issue=issue, user=editor_user)
        issue.refresh_from_db()
        assert issue.status == Issue.Status.PUBLISHED
        assert [a.headline for a in result.published] == ["第一篇", "第二篇"]
        assert Article.objects.published().filter(issue=issue).count() == 2

    def test_refuses_with_the_list_of_incomplete_articles(self, issue, editor_user, make_article):
        make_article("", issue=issue, position=3, status="draft", body="", reporters=())
        third = Article.objects.get(position=3)
        Byline.objects.filter(article=third).delete()
        with pytest.raises(workflow.WorkflowError) as error:
            issue_publish(issue=issue, user=editor_user)
        assert error.value.problems == ["第3篇《无标题》缺少标题、正文、记者"]
        issue.refresh_from_db()
        assert issue.status == Issue.Status.DRAFT
        assert set(issue.articles.values_list("status", flat=True)) == {"draft", "review"}

    def test_archived_articles_stay_archived(self, issue, editor_user, make_article):
        make_article("撤稿", issue=issue, position=3, status="archived", body="")
        issue_publish(issue=issue, user=editor_user)
        assert Article.objects.get(headline="撤稿").status == S.ARCHIVED

    def test_reporters_cannot_publish_an_issue(self, issue, reporter_user):
        with pytest.raises(workflow.WorkflowError) as error:
            issue_publish(issue=issue, user=reporter_user)
        assert error.value.problems == ["你没有发布权限"]
