"""An article taken down after its issue was printed leaves the print edition too: the desk's
withdrawal asks for the edition again (newsroom.tasks.issues_reprint_withdrawn), the new
PDF and pages are made without it, and an issue left with no published article loses its
数字报 and PDF instead of keeping the old ones."""
import datetime

import pytest
from django.contrib.messages import get_messages
from django.core.files.storage import default_storage
from django_tasks_db.models import DBTaskResult

from articles.models import Article
from newsroom import tasks
from newsroom.editions import printing
from newsroom.editions.models import PrintEdition
from tests.print_pdf import page_texts, squeezed

pytestmark = pytest.mark.django_db

CHANGELIST = "/admin/articles/article/"


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def printed(make_issue, make_article):
    """Issue 5, printed (generation 1) with two published articles: (issue, kept, taken down)."""
    issue = make_issue(number=5, date=datetime.date(2026, 11, 29))
    kept = make_article("园区新政出台", issue=issue, position=1, body="<p>新政第一段。</p>")
    taken = make_article("有误的稿件", issue=issue, position=2, body="<p>这段文字必须撤下。</p>")
    tasks.issue_print_request(issue=issue)
    assert printing.print_edition_make(issue.pk, 1) == "ready"
    return issue, kept, taken


def edition_of(issue) -> PrintEdition:
    return PrintEdition.objects.get(issue=issue)


def print_requests(issue) -> list[list[int]]:
    rows = DBTaskResult.objects.filter(task_path="newsroom.tasks.print_issue").order_by("enqueued_at")
    return [row.args_kwargs["args"] for row in rows if row.args_kwargs["args"][0] == issue.pk]


def pdf_text(edition) -> str:
    with default_storage.open(edition.pdf.name, "rb") as handle:
        return squeezed("".join(page_texts(handle.read())))


def texts(response) -> list[str]:
    return [str(message) for message in get_messages(response.wsgi_request)]


class TestWithdrawnArticles:
    def test_none_while_every_printed_article_is_published(self, printed):
        issue, _kept, _taken = printed
        assert printing.withdrawn_articles(edition_of(issue)) == []

    def test_an_archived_or_deleted_article_is_named(self, printed, make_article):
        issue, kept, taken = printed
        Article.objects.filter(pk=taken.pk).update(status=Article.Status.ARCHIVED)
        assert printing.withdrawn_articles(edition_of(issue)) == [taken.pk]
        Article.objects.filter(pk=kept.pk).delete()
        assert printing.withdrawn_articles(edition_of(issue)) == sorted([kept.pk, taken.pk])

    def test_an_article_added_after_printing_is_not_withdrawn(self, printed, make_article):
        issue, _kept, _taken = printed
        make_article("后来加的稿件", issue=issue, position=3)
        assert printing.withdrawn_articles(edition_of(issue)) == []


class TestReprint:
    def test_archiving_a_printed_article_prints_the_issue_again(self, printed, editor_client):
        issue, _kept, taken = printed
        response = editor_client.post(CHANGELIST, {"action": "archive_selected", "_selected_action": [taken.pk]},
                                      follow=True)
        assert texts(response) == ["已归档 1 篇文章。", "第5期的印刷版和数字报里有已撤下的文章，已交给后台重新生成。"]
        edition = edition_of(issue)
        assert (edition.generation, edition.status, edition.requested_by.username) == (2, "pending", "editor")
        assert print_requests(issue) == [[issue.pk, 1], [issue.pk, 2]]

    def test_the_new_edition_leaves_the_withdrawn_article_out(self, printed, editor_client):
        issue, _kept, taken = printed
        assert "这段文字必须撤下。" in pdf_text(edition_of(issue))
        editor_client.post(CHANGELIST, {"action": "archive_selected", "_selected_action": [taken.pk]})
        assert printing.print_edition_make(issue.pk, 2) == "ready"
        text = pdf_text(edition_of(issue))
        assert ("新政第一段。" in text, "这段文字必须撤下。" in text) == (True, False)

    def test_unpublishing_in_the_change_form_prints_the_issue_again(self, printed, editor_client, article_form_data):
        issue, _kept, taken = printed
        data = article_form_data(taken, status=Article.Status.DRAFT, _save="保存")
        response = editor_client.post(f"/admin/articles/article/{taken.pk}/change/", data, follow=True)
        assert "第5期的印刷版和数字报里有已撤下的文章，已交给后台重新生成。" in texts(response)
        assert edition_of(issue).generation == 2

    def test_deleting_a_printed_article_prints_the_issue_again(self, printed, admin_client):
        issue, _kept, taken = printed
        admin_client.post(f"/admin/articles/article/{taken.pk}/delete/", {"post": "yes"})
        assert not Article.objects.filter(pk=taken.pk).exists()
        assert edition_of(issue).generation == 2

    def test_editing_a_printed_article_does_not(self, printed, editor_client, article_form_data):
        """Still published: the desk sees 已过期 and decides when to print again."""
        issue, _kept, taken = printed
        data = article_form_data(taken, standfirst="改过的导语", _save="保存")
        response = editor_client.post(f"/admin/articles/article/{taken.pk}/change/", data, follow=True)
        assert texts(response) == [f'已修改文章「<a href="/admin/articles/article/{taken.pk}/change/">有误的稿件</a>」。']
        assert edition_of(issue).generation == 1

    def test_an_issue_never_printed_is_left_alone(self, make_issue, make_article, editor_client):
        issue = make_issue(number=6)
        article = make_article("未印的稿件", issue=issue)
        response = editor_client.post(CHANGELIST, {"action": "archive_selected", "_selected_action": [article.pk]},
                                      follow=True)
        assert texts(response) == ["已归档 1 篇文章。"]
        assert not PrintEdition.objects.filter(issue=issue).exists()


class TestEveryArticleWithdrawn:
    def test_the_edition_and_its_files_go(self, printed, client):
        issue, kept, taken = printed
        files = printing.edition_files(edition_of(issue))
        Article.objects.filter(pk__in=[kept.pk, taken.pk]).update(status=Article.Status.ARCHIVED)
        [again] = tasks.issues_reprint_withdrawn(issue_ids=[issue.pk])
        retired = []
        assert printing.print_edition_make(issue.pk, 2, retire=retired.extend) == "failed"
        edition = edition_of(issue)
        assert (edition.problem, edition.pdf.name, edition.pages, edition.page_count) == (
            "这一期没有已发布的文章，不能生成印刷版。", "", [], 0)
        assert (again, retired) == (issue, files)
        assert [client.get(url).status_code for url in ("/epaper/5/", "/epaper/5/pdf/")] == [404, 404]

    def test_without_retire_the_files_are_deleted_once_committed(self, printed, django_capture_on_commit_callbacks):
        issue, kept, taken = printed
        files = printing.edition_files(edition_of(issue))
        Article.objects.filter(pk__in=[kept.pk, taken.pk]).update(status=Article.Status.DRAFT)
        tasks.issue_print_request(issue=issue)
        with django_capture_on_commit_callbacks(execute=True):
            assert printing.print_edition_make(issue.pk, 2) == "failed"
        assert [default_storage.exists(name) for name in files] == [False] * len(files)
