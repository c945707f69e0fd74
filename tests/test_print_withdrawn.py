"""An article the desk takes back after its issue was printed leaves the print edition too:
archiving or unpublishing it, or moving it to another issue, asks for the issue's edition
again, and the new PDF and 数字报 pages no longer show it. Editing a published article only
marks the edition 已过期 (the desk decides when to print again)."""
import datetime

import pytest
from django_tasks_db.models import DBTaskResult

from articles.models import Article
from newsroom import tasks
from newsroom.editions import printing
from newsroom.editions.models import PrintEdition
from tests.print_pdf import page_texts, squeezed

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def printed(make_issue, make_article):
    """Issue 5 with two articles, printed (generation 1)."""
    issue = make_issue(number=5, date=datetime.date(2026, 11, 29))
    kept = make_article("园区新政出台", issue=issue, position=1, body="<p>新政第一段留在报上。</p>")
    taken = make_article("企业研发提速", issue=issue, position=2, body="<p>研发这一段将被撤下。</p>")
    tasks.issue_print_request(issue=issue)
    assert printing.print_edition_make(issue.pk, 1) == "ready"
    return issue, kept, taken


def print_requests() -> list[list]:
    return [r.args_kwargs["args"] for r in DBTaskResult.objects.filter(task_path="newsroom.tasks.print_issue").order_by("enqueued_at", "id")]


def printed_text(issue) -> str:
    edition = PrintEdition.objects.get(issue=issue)
    with edition.pdf.open("rb") as f:
        return squeezed("".join(page_texts(f.read())))


class TestWhichEditions:
    def test_a_published_article_asks_for_nothing(self, printed, django_assert_num_queries):
        issue, kept, taken = printed
        with django_assert_num_queries(3):
            assert printing.editions_printing_withdrawn([kept.pk, taken.pk]) == []

    def test_an_archived_article_names_its_issue(self, printed):
        issue, kept, taken = printed
        Article.objects.filter(pk=taken.pk).update(status=Article.Status.ARCHIVED)
        assert printing.editions_printing_withdrawn([kept.pk, taken.pk]) == [issue.pk]

    def test_an_article_moved_away_names_the_issue_it_left(self, printed, make_issue):
        issue, kept, taken = printed
        other = make_issue(number=6)
        Article.objects.filter(pk=taken.pk).update(issue=other)
        assert printing.editions_printing_withdrawn([taken.pk]) == []  # its former issue is not known
        assert printing.editions_printing_withdrawn([taken.pk], former_issue_ids=[issue.pk]) == [issue.pk]

    def test_an_article_never_printed_asks_for_nothing(self, printed, make_article):
        issue, kept, taken = printed
        late = make_article("后来加入", issue=issue, position=3, status="draft")
        assert printing.editions_printing_withdrawn([late.pk]) == []

    def test_an_issue_never_printed_asks_for_nothing(self, make_issue, make_article):
        issue = make_issue(number=7)
        article = make_article("未印", issue=issue, status="archived")
        assert printing.editions_printing_withdrawn([article.pk]) == []
        assert printing.editions_printing_withdrawn([]) == []


class TestAtTheDesk:
    def test_archiving_from_the_list_prints_the_issue_again_without_it(self, printed, editor_client):
        issue, kept, taken = printed
        response = editor_client.post("/admin/articles/article/", {
            "action": "archive_selected", "_selected_action": [taken.pk],
        }, follow=True)
        assert [str(m) for m in response.context["messages"]] == ["已归档 1 篇文章。"]
        edition = PrintEdition.objects.get(issue=issue)
        assert (edition.generation, edition.status) == (2, "pending")
        assert print_requests() == [[issue.pk, 1], [issue.pk, 2]]
        assert "研发这一段将被撤下。" in printed_text(issue)  # the last edition until the new one
        assert printing.print_edition_make(issue.pk, 2) == "ready"
        text = printed_text(issue)
        assert ("新政第一段留在报上。" in text, "研发这一段将被撤下。" in text) == (True, False)
        regions = {r["article"] for page in PrintEdition.objects.get(issue=issue).pages for r in page["regions"]}
        assert regions == {kept.pk}

    def test_unpublishing_in_the_form_prints_it_again(self, printed, editor_client, article_form_data):
        issue, kept, taken = printed
        response = editor_client.post(f"/admin/articles/article/{taken.pk}/change/", article_form_data(taken, status="draft"))
        assert response.status_code == 302
        assert print_requests() == [[issue.pk, 1], [issue.pk, 2]]

    def test_moving_it_to_another_issue_prints_the_one_it_left(self, printed, editor_client, article_form_data, make_issue):
        issue, kept, taken = printed
        other = make_issue(number=6)
        response = editor_client.post(f"/admin/articles/article/{taken.pk}/change/", article_form_data(taken, issue=other.pk))
        assert response.status_code == 302
        assert print_requests() == [[issue.pk, 1], [issue.pk, 2]]

    def test_an_edit_that_keeps_it_published_only_marks_the_edition_out_of_date(
            self, printed, editor_client, article_form_data):
        issue, kept, taken = printed
        response = editor_client.post(f"/admin/articles/article/{kept.pk}/change/",
                                      article_form_data(kept, headline="园区新政正式出台"))
        assert response.status_code == 302
        assert print_requests() == [[issue.pk, 1]]
        assert printing.edition_changes(PrintEdition.objects.get(issue=issue)) == ["有文章修改过"]
