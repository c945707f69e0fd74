"""The admin's import page: an admin form with a date picker, the date and duplicates in the dry run."""
import datetime
from io import StringIO

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command

from newsroom.models import Issue

IMPORT_URL = "/admin/newsroom/issue/import/"


def upload(client, data: bytes, name: str = "第5期.txt", **fields):
    return client.post(IMPORT_URL, {"file": SimpleUploadedFile(name, data), **fields})


def confirm(client, dry):
    return client.post(IMPORT_URL, {"_confirm": "1", "sha256": dry.context["sha256"]})


@pytest.mark.django_db
class TestImportPage:
    def test_publication_date_has_the_admin_date_picker(self, editor_client):
        """出版日期 is the admin's date input, with the calendar script and its translations loaded."""
        html = editor_client.get(IMPORT_URL).content.decode()
        assert 'class="vDateField"' in html
        assert "admin/js/admin/DateTimeShortcuts.js" in html
        assert "/admin/jsi18n/" in html
        assert "admin/css/forms.css" in html

    def test_empty_number_help_names_the_next_free_number(self, editor_client, make_issue):
        """The 期号 help says an empty number takes the next free one, and which one that is."""
        make_issue(7)
        html = editor_client.get(IMPORT_URL).content.decode()
        assert "否则取下一个空闲期号（现在是第 8 期）" in html

    def test_dry_run_shows_the_given_date(self, editor_client, seed_bytes):
        """The dry run shows the date the issue will carry."""
        response = upload(editor_client, seed_bytes, number=5, date="2025-03-10")
        assert response.context["issue_date"] == datetime.date(2025, 3, 10)
        assert '<time datetime="2025-03-10">2025年3月10日</time>' in response.content.decode()

    def test_dry_run_of_an_existing_issue_shows_its_own_date(self, editor_client, seed_bytes):
        """Re-importing without a date keeps, and shows, the issue's current date."""
        confirm(editor_client, upload(editor_client, seed_bytes, number=5, date="2025-01-06"))
        response = upload(editor_client, seed_bytes, number=5)
        assert response.context["issue_date"] == datetime.date(2025, 1, 6)

    def test_file_name_case_is_kept_in_messages(self, editor_client, seed_bytes):
        """A file named GaoXinQu-2025-01.TXT is named exactly so in the dry run and the success message."""
        dry = upload(editor_client, seed_bytes, name="GaoXinQu-2025-01.TXT", number=5)
        assert dry.context["summary"].startswith("GaoXinQu-2025-01.TXT 将导入为 第5期")
        done = editor_client.post(IMPORT_URL, {"_confirm": "1", "sha256": dry.context["sha256"]}, follow=True)
        assert [str(m) for m in done.context["messages"]][0].startswith("GaoXinQu-2025-01.TXT 已导入为 第5期")
        assert Issue.objects.get(number=5).source_name == "GaoXinQu-2025-01.TXT"


@pytest.mark.django_db
class TestDuplicateArticleWarning:
    def test_dry_run_warns_of_articles_already_in_another_issue(self, editor_client, seed_bytes):
        """Each article whose text is already in another issue is named with that issue."""
        confirm(editor_client, upload(editor_client, seed_bytes, number=1))
        response = upload(editor_client, seed_bytes, number=2, allow_duplicate="on")
        assert response.context["duplicates"] == [
            "《国家高新区忙开局奋力“开门红”》与第1期的《国家高新区忙开局奋力“开门红”》内容相同，导入后读者会看到两篇同样的文章。",
            "《济南高新区探索对外开放新格局》与第1期的《济南高新区探索对外开放新格局》内容相同，导入后读者会看到两篇同样的文章。",
        ]
        assert "下列文章已经在别的期里" in response.content.decode()

    def test_warning_survives_an_edit_of_the_earlier_copy(self, editor_client, seed_bytes):
        """An earlier copy whose headline an editor changed is still found, under its new headline."""
        confirm(editor_client, upload(editor_client, seed_bytes, number=1))
        Issue.objects.get(number=1).articles.filter(position=2).update(headline="济南高新区开放新格局")
        response = upload(editor_client, seed_bytes, number=2, allow_duplicate="on")
        assert response.context["duplicates"][1] == (
            "《济南高新区探索对外开放新格局》与第1期的《济南高新区开放新格局》内容相同，导入后读者会看到两篇同样的文章。"
        )

    def test_reimport_into_the_same_issue_is_no_duplicate(self, editor_client, seed_bytes):
        """Re-importing a file into its own issue warns of nothing."""
        confirm(editor_client, upload(editor_client, seed_bytes, number=1))
        response = upload(editor_client, seed_bytes, number=1)
        assert response.context["duplicates"] == []
        assert "下列文章已经在别的期里" not in response.content.decode()

    def test_command_dry_run_warns_too(self, seed_path):
        """import_issue --dry-run prints the same warning for each repeated article."""
        call_command("import_issue", str(seed_path), "--number", "1", stdout=StringIO())
        out = StringIO()
        call_command("import_issue", str(seed_path), "--number", "2", "--allow-duplicate", "--dry-run", stdout=out)
        lines = [line.strip() for line in out.getvalue().splitlines() if "内容相同" in line]
        assert lines == [
            "《国家高新区忙开局奋力“开门红”》与第1期的《国家高新区忙开局奋力“开门红”》内容相同，导入后读者会看到两篇同样的文章。",
            "《济南高新区探索对外开放新格局》与第1期的《济南高新区探索对外开放新格局》内容相同，导入后读者会看到两篇同样的文章。",
        ]
        assert Issue.objects.filter(number=2).exists() is False
