"""Making the print edition on the worker (newsroom.editions.printing.print_edition_make):
publishing asks for it, a run stores the PDF and the page pictures and records them only
for the newest request, refuses an issue readers cannot see, keeps the previous edition when
it fails, and reads the database a fixed number of times."""
import datetime
import re

import pytest
from django.core.files.storage import default_storage
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from articles.body import figure_html
from newsroom import tasks
from newsroom.editions import printing
from newsroom.editions.models import PrintEdition
from newsroom.models import Issue
from tests.pictures import add_image
from tests.print_pdf import image_count, page_texts, squeezed

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


@pytest.fixture
def changes(monkeypatch):
    """How many times a run said that what readers see changed."""
    calls = []
    monkeypatch.setattr(printing, "content_changed", lambda: calls.append(1))
    return calls


@pytest.fixture
def small_issue(make_issue, make_article):
    issue = make_issue(number=5, date=datetime.date(2026, 11, 29))
    make_article("园区新政出台", issue=issue, position=1, body="<p>新政第一段。</p><p>新政第二段。</p>")
    make_article("企业研发提速", issue=issue, position=2, body="<p>研发第一段。</p>")
    tasks.issue_print_request(issue=issue)
    return issue


def make(issue, *, generation=None, retire=None) -> str:
    edition = PrintEdition.objects.get(issue=issue)
    return printing.print_edition_make(issue.pk, generation or edition.generation, retire=retire)


def edition_of(issue) -> PrintEdition:
    return PrintEdition.objects.get(issue=issue)


def stored(edition) -> list[str]:
    return [name for name in printing.edition_files(edition) if default_storage.exists(name)]


class TestPublishing:
    def test_publishing_the_seed_asks_for_its_print_edition(self, imported_seed):
        edition = edition_of(imported_seed)
        assert (edition.generation, edition.status) == (1, PrintEdition.Status.PENDING)
        queued = DBTaskResult.objects.filter(task_path="newsroom.tasks.print_issue")
        assert [row.args_kwargs["args"] for row in queued] == [[imported_seed.pk, 1]]


class TestWorker:
    def test_publishing_the_seed_prints_it(self, settings, seed_path, django_capture_on_commit_callbacks):
        """With the tasks run at once (NEWSROOM_TASKS_IMMEDIATE), as `make run` without a worker would."""
        from io import StringIO

        from django.core.management import call_command

        settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
        with django_capture_on_commit_callbacks(execute=True):
            call_command("import_issue", str(seed_path), "--number", "1", "--publish", stdout=StringIO())
        edition = PrintEdition.objects.get(issue__number=1)
        assert (edition.generation, edition.status, edition.page_count) == (1, PrintEdition.Status.READY, 2)
        assert len(stored(edition)) == 5

    def test_the_worker_deletes_the_replaced_files_a_day_later(self, small_issue):
        assert tasks.print_issue.call(small_issue.pk, 1) == "ready"
        first = edition_of(small_issue)
        tasks.issue_print_request(issue=small_issue)
        before = timezone.now()
        assert tasks.print_issue.call(small_issue.pk, 2) == "ready"
        row = DBTaskResult.objects.get(task_path="newsroom.tasks.delete_media_files")
        assert row.args_kwargs["args"] == [printing.edition_files(first)]
        assert before + tasks.RETIRED_RENDITIONS_KEPT <= row.run_after <= timezone.now() + tasks.RETIRED_RENDITIONS_KEPT
        assert len(stored(first)) == 3  # still there for pages cached meanwhile


class TestRun:
    def test_the_seed_is_printed_with_every_page_drawn(self, seed_articles, django_capture_on_commit_callbacks, changes):
        feature, jinan = seed_articles
        issue = feature.issue
        assert tasks.print_issue.call(issue.pk, 1) == "ready"
        edition = edition_of(issue)
        folder = re.fullmatch(r"editions/1/1-([0-9a-f]{12})/issue-1\.pdf", edition.pdf.name)
        assert folder is not None
        pdf = default_storage.open(edition.pdf.name).read()
        assert (edition.status, edition.pdf_size, edition.page_count, edition.problem) == (
            PrintEdition.Status.READY, len(pdf), 2, "")
        assert folder[1] == printing.hashlib.sha256(pdf).hexdigest()[:12]
        base = edition.pdf.name.rsplit("/", 1)[0]
        assert [page["images"] for page in edition.pages] == [
            {"800": f"{base}/page-1-800.jpg", "1600": f"{base}/page-1-1600.jpg"},
            {"800": f"{base}/page-2-800.jpg", "1600": f"{base}/page-2-1600.jpg"},
        ]
        assert [page["image_size"] for page in edition.pages] == [{"800": [800, 1132], "1600": [1600, 2263]}] * 2
        assert [page["articles"] for page in edition.pages] == [[feature.pk, jinan.pk], [jinan.pk]]
        assert [(page["number"], page["width"], page["height"]) for page in edition.pages] == [
            (1, 841.89, 1190.55), (2, 841.89, 1190.55)]
        assert edition.sources == {"articles": {str(feature.pk): feature.version, str(jinan.pk): jinan.version},
                                   "site_info": None}
        assert edition.started_at <= edition.finished_at
        assert len(stored(edition)) == 5
        assert changes == [1]

    def test_a_newer_request_during_the_run_drops_its_result(self, small_issue, monkeypatch, django_capture_on_commit_callbacks):
        render = printing.render_pdf
        saved = []

        def render_while_an_editor_asks_again(html):
            tasks.issue_print_request(issue=small_issue)
            return render(html)

        monkeypatch.setattr(printing, "render_pdf", render_while_an_editor_asks_again)
        real_store = printing._store
        monkeypatch.setattr(printing, "_store", lambda *args: saved.append(real_store(*args)) or saved[-1])
        with django_capture_on_commit_callbacks(execute=True):
            assert make(small_issue, generation=1) == "superseded"
        edition = edition_of(small_issue)
        assert (edition.generation, edition.status, edition.pdf.name, edition.pages) == (
            2, PrintEdition.Status.PENDING, "", [])
        names = saved[0][0]
        assert len(names) == 3
        assert [name for name in names if default_storage.exists(name)] == []

    def test_an_older_run_that_starts_late_does_nothing(self, small_issue):
        tasks.issue_print_request(issue=small_issue)
        assert make(small_issue, generation=1) == "superseded"
        edition = edition_of(small_issue)
        assert (edition.generation, edition.status, edition.started_at) == (2, PrintEdition.Status.PENDING, None)

    def test_printing_again_replaces_the_files(self, small_issue, django_capture_on_commit_callbacks):
        assert make(small_issue) == "ready"
        first = edition_of(small_issue)
        tasks.issue_print_request(issue=small_issue)
        retired = []
        assert make(small_issue, retire=retired.extend) == "ready"
        second = edition_of(small_issue)
        assert second.generation == 2
        assert second.pdf.name.startswith("editions/5/2-")
        assert retired == printing.edition_files(first)
        with django_capture_on_commit_callbacks(execute=True):
            tasks.issue_print_request(issue=small_issue)
            assert make(small_issue) == "ready"
        assert stored(second) == []  # without a retire callback they go once the run commits
        assert len(stored(edition_of(small_issue))) == 3

    def test_only_published_articles_are_printed(self, small_issue, make_article):
        make_article("尚未发布的稿件", issue=small_issue, position=3, status="draft", body="<p>草稿正文。</p>")
        assert make(small_issue) == "ready"
        edition = edition_of(small_issue)
        text = squeezed("".join(page_texts(default_storage.open(edition.pdf.name).read())))
        assert "园区新政出台" in text and "新政第二段。" in text and "研发第一段。" in text
        assert "尚未发布" not in text and "草稿正文" not in text
        assert len(edition.pages[0]["articles"]) == 2

    def test_pictures_are_printed_with_captions(self, make_issue, make_article):
        issue = make_issue(number=8, date=datetime.date(2026, 12, 6))
        lead, inline = add_image(seed=1, caption="园区全景", credit="王五"), add_image(seed=2)
        body = "<p>第一段。</p>" + figure_html(image_id=inline.pk, src=inline.file.url, alt="车间", caption="生产车间",
                                            credit="摄影 张三")
        article = make_article("图片新闻", issue=issue, body=body)
        article.lead_image = lead
        article.save()
        tasks.issue_print_request(issue=issue)
        assert make(issue) == "ready"
        pdf = default_storage.open(edition_of(issue).pdf.name).read()
        assert image_count(pdf) == 2
        text = squeezed(page_texts(pdf)[0])
        assert "园区全景摄影王五" in text and "生产车间摄影张三" in text


class TestRefused:
    def test_an_unpublished_issue_is_not_printed(self, make_issue, make_article):
        issue = make_issue(number=6, status="draft")
        make_article("稿件", issue=issue)
        tasks.issue_print_request(issue=issue)
        assert make(issue) == "failed"
        edition = edition_of(issue)
        assert (edition.status, edition.problem, edition.pdf.name) == (
            PrintEdition.Status.FAILED, "这一期没有发布，不能生成印刷版。", "")

    def test_a_withdrawn_issue_keeps_its_previous_files_but_is_not_printed_again(self, small_issue, changes):
        assert make(small_issue) == "ready"
        before = edition_of(small_issue)
        Issue.objects.filter(pk=small_issue.pk).update(status=Issue.Status.DRAFT)
        tasks.issue_print_request(issue=small_issue)
        assert make(small_issue) == "failed"
        edition = edition_of(small_issue)
        assert (edition.status, edition.problem) == (PrintEdition.Status.FAILED, "这一期没有发布，不能生成印刷版。")
        assert (edition.pdf.name, edition.pages) == (before.pdf.name, before.pages)
        assert changes == [1, 1]

    def test_an_issue_without_published_articles_is_not_printed(self, make_issue):
        issue = make_issue(number=9)
        tasks.issue_print_request(issue=issue)
        assert make(issue) == "failed"
        assert edition_of(issue).problem == "这一期没有已发布的文章，不能生成印刷版。"

    def test_a_rendering_error_is_recorded_and_the_previous_pdf_stays(self, small_issue, monkeypatch):
        assert make(small_issue) == "ready"
        before = edition_of(small_issue)

        def broken(html):
            raise RuntimeError("字体缺失")

        monkeypatch.setattr(printing, "render_pdf", broken)
        tasks.issue_print_request(issue=small_issue)
        assert make(small_issue) == "failed"
        edition = edition_of(small_issue)
        assert (edition.status, edition.problem) == (PrintEdition.Status.FAILED, "排版或保存出错：RuntimeError: 字体缺失")
        assert edition.pdf.name == before.pdf.name
        assert len(stored(edition)) == 3

    def test_a_deleted_issue_is_superseded(self, small_issue):
        generation, pk = edition_of(small_issue).generation, small_issue.pk
        small_issue.articles.all().delete()
        small_issue.delete()
        assert printing.print_edition_make(pk, generation) == "superseded"


class TestQueries:
    def test_a_run_reads_a_fixed_number_of_times(self, make_issue, make_article, django_assert_num_queries):
        """The claim (one UPDATE), the issue, the articles with their lead images, the site
        information, the figures' images, then the locked row and its UPDATE in a
        transaction (a savepoint here); the same for one article or four."""
        counts = []
        for number, articles in ((11, 1), (12, 4)):
            issue = make_issue(number=number)
            picture = add_image(seed=number)
            for position in range(articles):
                body = "<p>段落。</p>" + figure_html(image_id=picture.pk, src=picture.file.url, alt="图")
                make_article(f"第{position}篇", issue=issue, position=position, body=body)
            tasks.issue_print_request(issue=issue)
            with django_assert_num_queries(9) as captured:
                assert printing.print_edition_make(issue.pk, 1) == "ready"
            counts.append(len(captured))
        assert counts == [9, 9]
