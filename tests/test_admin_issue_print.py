"""The issue page's 印刷版 section (newsroom/admin/issue_print.py): status, pages, size,
the PDF and the 数字报, 已过期 when what was printed changed, the problem of a failed run,
and 重新生成 for the 总编辑 of a published issue only."""
import pytest
from django.contrib.auth.models import Group
from django.db.models import F
from django.test import Client
from django_tasks_db.models import DBTaskResult

from articles.models import Article
from newsroom.admin.issue_print import IssuePrintMixin
from newsroom.editions import printing
from newsroom.editions.models import PrintEdition, SiteInfo

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def chief(editor_user):
    """An editor who is also 总编辑, the role the editions migration lets print again."""
    editor_user.groups.add(Group.objects.get(name="总编辑"))
    client = Client()
    client.force_login(editor_user)
    return client


@pytest.fixture
def printed(imported_seed):
    assert printing.print_edition_make(imported_seed.pk, 1) == "ready"
    return imported_seed


def change_page(client, issue) -> str:
    response = client.get(f"/admin/newsroom/issue/{issue.pk}/change/")
    assert response.status_code == 200
    html = response.content.decode()
    return html[html.index('id="issue-print"'):]


def print_url(issue) -> str:
    return f"/admin/newsroom/issue/{issue.pk}/print/"


def queued(issue) -> list:
    rows = DBTaskResult.objects.filter(task_path="newsroom.tasks.print_issue").order_by("enqueued_at")
    return [row.args_kwargs["args"] for row in rows if row.args_kwargs["args"][0] == issue.pk]


class TestSection:
    def test_a_draft_issue_says_when_it_will_be_printed(self, chief, make_issue):
        issue = make_issue(number=4, status="draft")
        section = change_page(chief, issue)
        assert "本期发布后自动生成印刷版（PDF 和数字报）。" in section
        assert "发布本期后才能生成印刷版。" in section
        assert "重新生成印刷版" not in section

    def test_a_requested_edition_is_queued(self, chief, imported_seed):
        section = change_page(chief, imported_seed)
        assert "状态：排队中" in section
        assert "下载 PDF" not in section

    def test_a_ready_edition_links_its_pdf_and_its_epaper(self, chief, printed):
        edition = PrintEdition.objects.get(issue=printed)
        section = change_page(chief, printed)
        assert "状态：已生成" in section
        assert f"共 2 版，PDF {edition.pdf_size / 1024:.1f}\xa0KB" in section
        assert f'href="/media/{edition.pdf.name}">下载 PDF</a>' in section
        assert 'href="/epaper/1/" target="_blank" rel="noopener">查看数字报</a>' in section
        assert "已过期" not in section

    def test_an_edited_article_makes_it_outdated(self, chief, printed, seed_articles):
        Article.objects.filter(pk=seed_articles[0].pk).update(version=F("version") + 1)
        assert "已过期：有文章修改过。重新生成后印刷版和数字报才会更新。" in change_page(chief, printed)

    def test_a_withdrawn_article_makes_it_outdated(self, chief, printed, seed_articles):
        Article.objects.filter(pk=seed_articles[1].pk).update(status=Article.Status.DRAFT)
        assert "已过期：本期已发布的文章有增减。" in change_page(chief, printed)

    def test_changed_site_information_makes_it_outdated(self, chief, printed):
        SiteInfo(name="高新区周报", sponsor="新的主办单位").save()
        assert "已过期：出版信息修改过。" in change_page(chief, printed)

    def test_a_failed_run_shows_its_problem_and_the_previous_pdf(self, chief, printed):
        edition = PrintEdition.objects.get(issue=printed)
        PrintEdition.objects.filter(pk=edition.pk).update(status=PrintEdition.Status.FAILED, problem="排版或保存出错：OSError: 磁盘已满")
        section = change_page(chief, printed)
        assert "生成失败（" in section and "）：排版或保存出错：OSError: 磁盘已满" in section
        assert f'href="/media/{edition.pdf.name}">下载上一次生成的 PDF</a>' in section
        assert "查看数字报" not in section

    def test_an_editor_sees_no_button(self, editor_client, printed):
        section = change_page(editor_client, printed)
        assert "状态：已生成" in section
        assert "重新生成印刷版" not in section

    def test_the_section_reads_three_rows(self, rf, chief, printed, editor_user, django_assert_num_queries):
        """The edition, the issue's published articles' versions, the site information."""
        editor_user.groups.add(Group.objects.get(name="总编辑"))
        request = rf.get("/")
        request.user = type(editor_user).objects.get(pk=editor_user.pk)
        request.user.has_perm("editions.print_edition")  # the permission cache, filled before counting
        with django_assert_num_queries(3):
            context = IssuePrintMixin().print_panel_context(request, printed)
        assert context["can_print"] is True


class TestPrintAgain:
    def test_the_chief_editor_asks_for_a_new_edition(self, chief, printed):
        response = chief.post(print_url(printed))
        assert response.status_code == 302
        assert response["Location"] == f"/admin/newsroom/issue/{printed.pk}/change/#issue-print"
        edition = PrintEdition.objects.get(issue=printed)
        assert (edition.generation, edition.status, edition.requested_by.username) == (2, "pending", "editor")
        assert queued(printed) == [[printed.pk, 1], [printed.pk, 2]]
        messages = [str(m) for m in response.wsgi_request._messages]
        assert messages == ["已请求重新生成第1期的印刷版，稍后在下方“印刷版”查看结果。"]

    def test_an_editor_may_not(self, editor_client, printed):
        assert editor_client.post(print_url(printed)).status_code == 403
        assert PrintEdition.objects.get(issue=printed).generation == 1

    def test_an_unpublished_issue_is_refused(self, chief, make_issue):
        issue = make_issue(number=4, status="draft")
        response = chief.post(print_url(issue), follow=True)
        assert "第4期尚未发布，不能生成印刷版。" in response.content.decode()
        assert not PrintEdition.objects.filter(issue=issue).exists()
        assert queued(issue) == []

    def test_get_is_not_allowed(self, chief, printed):
        assert chief.get(print_url(printed)).status_code == 405

    def test_without_the_csrf_token_nothing_happens(self, editor_user, printed):
        editor_user.groups.add(Group.objects.get(name="总编辑"))
        client = Client(enforce_csrf_checks=True)
        client.force_login(editor_user)
        assert client.post(print_url(printed)).status_code == 403
        assert PrintEdition.objects.get(issue=printed).generation == 1

    def test_an_unknown_issue_is_not_found(self, chief, db):
        assert chief.post("/admin/newsroom/issue/999999/print/").status_code == 404

