"""Publishing refuses an unresolved 禁用 finding, with the list; 提示 never blocks."""
import pytest
from django.contrib.messages import get_messages
from django.urls import reverse

from articles import workflow
from articles.models import Article, ProofWord
from newsroom.models import Issue
from newsroom.publishing import issue_publish

pytestmark = pytest.mark.django_db


@pytest.fixture
def issue(make_issue, make_article):
    issue = make_issue(5, status="draft")
    make_article("第一篇", issue=issue, position=1, status="review", body="<p>大家再接再励。</p>")
    make_article("第二篇", issue=issue, position=2, status="review", standfirst="一股作气", body="<p>截止目前完成。</p>")
    return issue


def change_url(article) -> str:
    return reverse("admin:articles_article_change", args=[article.pk])


class TestIssuePublish:
    def test_refused_with_every_blocked_finding(self, issue, editor_user):
        """The refusal lists each 禁用 finding by article and field, and writes nothing."""
        with pytest.raises(workflow.WorkflowError) as refused:
            issue_publish(issue=issue, user=editor_user)
        assert refused.value.problems == [
            "《第一篇》正文有禁用词：“再接再励”应改为“再接再厉”",
            "《第二篇》导语有禁用词：“一股作气”应改为“一鼓作气”",
        ]
        issue.refresh_from_db()
        assert issue.status == Issue.Status.DRAFT
        assert set(issue.articles.values_list("status", flat=True)) == {"review"}

    def test_warnings_never_block(self, issue, editor_user):
        """With the 禁用 words fixed, the 提示 (截止目前) left does not stop publication."""
        Article.objects.filter(headline="第一篇").update(body="<p>大家再接再厉。</p>")
        Article.objects.filter(headline="第二篇").update(standfirst="一鼓作气")
        result = issue_publish(issue=issue, user=editor_user)
        assert [a.headline for a in result.published] == ["第一篇", "第二篇"]

    def test_a_word_changed_to_warning_no_longer_blocks(self, issue, editor_user):
        """The list decides: a word an editor marks 提示 stops blocking at once."""
        ProofWord.objects.filter(word__in=["再接再励", "一股作气"]).update(severity="warn")
        assert issue_publish(issue=issue, user=editor_user).issue.status == Issue.Status.PUBLISHED

    def test_issue_list_action_shows_the_list(self, issue, editor_client):
        """发布本期 from the issue list refuses with the list in the message."""
        response = editor_client.post(
            "/admin/newsroom/issue/", {"action": "publish_issues", "_selected_action": [issue.pk]}
        )
        assert [str(m) for m in get_messages(response.wsgi_request)] == [
            "第5期未发布，请先补全：《第一篇》正文有禁用词：“再接再励”应改为“再接再厉”；"
            "《第二篇》导语有禁用词：“一股作气”应改为“一鼓作气”"
        ]
        assert Issue.objects.get(pk=issue.pk).status == Issue.Status.DRAFT


class TestArticlePublish:
    def test_bulk_publish_is_refused(self, issue, editor_client):
        """The changelist's publish action refuses and names the finding."""
        first = Article.objects.get(headline="第一篇")
        response = editor_client.post("/admin/articles/article/", {
            "action": "publish_selected", "_selected_action": [first.pk], f"_loaded_version_{first.pk}": first.version,
        }, follow=True)
        texts = [str(m) for m in response.context["messages"]]
        assert texts == ["未作任何修改：《第一篇》正文有禁用词：“再接再励”应改为“再接再厉”"]
        assert Article.objects.get(pk=first.pk).status == "review"

    def test_form_publish_is_refused_with_the_text_kept(self, editor_client, draft_article, article_form_data):
        """Publishing from the form with a 禁用 word typed in is refused; the typed body stays in the form."""
        data = article_form_data(draft_article, status="published", body="<p>新的一年一股作气。</p>")
        html = editor_client.post(change_url(draft_article), data).content.decode()
        assert "《成都高新区发布新政》正文有禁用词：“一股作气”应改为“一鼓作气”" in html
        assert "新的一年一股作气。" in html
        assert Article.objects.get(pk=draft_article.pk).status == "draft"

    def test_editing_a_published_article_cannot_add_a_blocked_word(self, editor_client, make_article, article_form_data):
        """A published article's edit goes live at once, so it is checked too."""
        article = make_article("已发布的文章")
        data = article_form_data(article, headline="已发布的文章再接再励")
        html = editor_client.post(change_url(article), data).content.decode()
        assert "《已发布的文章再接再励》标题有禁用词：“再接再励”应改为“再接再厉”" in html
        assert Article.objects.get(pk=article.pk).headline == "已发布的文章"

    def test_saving_a_draft_with_a_blocked_word_is_allowed(self, editor_client, draft_article, article_form_data):
        """A draft may hold a 禁用 word while it is being written; only publishing is refused."""
        data = article_form_data(draft_article, body="<p>一股作气。</p>")
        assert editor_client.post(change_url(draft_article), data).status_code == 302
        assert Article.objects.get(pk=draft_article.pk).body == "<p>一股作气。</p>"
