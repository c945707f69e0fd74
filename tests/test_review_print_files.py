"""The print edition leaves no file that no row names: a run that fails while storing deletes
what it stored so far, and deleting an issue deletes its edition's PDF and page pictures."""
import datetime

import pytest
from django.core.files.storage import default_storage

from newsroom import tasks
from newsroom.editions import printing
from newsroom.editions.models import PrintEdition

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


@pytest.fixture
def small_issue(make_issue, make_article):
    issue = make_issue(number=5, date=datetime.date(2026, 11, 29))
    make_article("园区新政出台", issue=issue, position=1, body="<p>新政第一段。</p>")
    tasks.issue_print_request(issue=issue)
    return issue


def files_under(root) -> list[str]:
    return sorted(str(path.relative_to(root)) for path in root.rglob("*") if path.is_file())


class TestFailedStore:
    def test_a_run_failing_after_the_pdf_was_stored_leaves_no_file(self, small_issue, media, monkeypatch):
        def drawing_fails(pdf, widths=(800, 1600)):
            assert len(files_under(media)) == 1  # the PDF, stored before the pages are drawn
            raise MemoryError("pdfium")

        monkeypatch.setattr(printing, "page_images", drawing_fails)
        assert printing.print_edition_make(small_issue.pk, 1) == "failed"
        edition = PrintEdition.objects.get(issue=small_issue)
        assert (edition.status, edition.problem, edition.pdf.name) == (
            PrintEdition.Status.FAILED, "排版或保存出错：MemoryError: pdfium", "")
        assert files_under(media) == []


class TestDeletedIssue:
    def test_deleting_the_issue_deletes_its_edition_files_once_committed(
        self, small_issue, media, django_capture_on_commit_callbacks
    ):
        assert printing.print_edition_make(small_issue.pk, 1) == "ready"
        names = printing.edition_files(PrintEdition.objects.get(issue=small_issue))
        assert len(names) == 3 and all(default_storage.exists(name) for name in names)
        small_issue.articles.all().delete()
        with django_capture_on_commit_callbacks(execute=True) as callbacks:
            small_issue.delete()
            assert len(files_under(media)) == 3  # still there until the deletion commits
        assert len(callbacks) >= 1
        assert PrintEdition.objects.count() == 0
        assert files_under(media) == []

    def test_an_issue_never_printed_deletes_without_touching_storage(self, make_issue, media):
        issue = make_issue(number=7)
        tasks.issue_print_request(issue=issue)
        issue.delete()
        assert PrintEdition.objects.count() == 0
        assert files_under(media) == []
