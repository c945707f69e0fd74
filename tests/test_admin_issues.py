"""The issue admin: ordered articles inline, 发布本期, import from the admin, the dashboard."""
import pytest
from django.contrib.messages import get_messages
from reversion.models import Version

from articles.models import Article
from newsroom.models import Issue


def message_texts(response) -> list[str]:
    return [str(m) for m in get_messages(response.wsgi_request)]


@pytest.fixture
def issue(make_issue, make_article):
    issue = make_issue(3, status="draft")
    make_article("第二篇", issue=issue, position=2, status="draft")
    make_article("第一篇", issue=issue, position=1, status="review")
    return issue


def issue_form_data(issue, **changes) -> dict:
    articles = list(issue.articles.order_by("position", "id"))
    data = {
        "number": issue.number, "date": issue.date.isoformat(), "title": issue.title,
        "articles-TOTAL_FORMS": len(articles), "articles-INITIAL_FORMS": len(articles),
        "articles-MIN_NUM_FORMS": 0, "articles-MAX_NUM_FORMS": 1000,
    }
    for i, article in enumerate(articles):
        data.update({f"articles-{i}-id": article.pk, f"articles-{i}-issue": issue.pk, f"articles-{i}-position": article.position,
                     f"articles-{i}-loaded_version": article.version})
    data.update(changes)
    return data


@pytest.mark.django_db
class TestIssueChangePage:
    def test_articles_are_listed_in_order_with_status(self, editor_client, issue):
        response = editor_client.get(f"/admin/newsroom/issue/{issue.pk}/change/")
        html = response.content.decode()
        assert html.index("第一篇") < html.index("第二篇")
        assert "待审" in html and "草稿" in html

    def test_position_numbers_reorder_articles(self, editor_client, issue):
        data = issue_form_data(issue, **{"articles-0-position": 2, "articles-1-position": 1})
        response = editor_client.post(f"/admin/newsroom/issue/{issue.pk}/change/", data)
        assert response.status_code == 302
        assert list(issue.articles.order_by("position").values_list("headline", flat=True)) == ["第二篇", "第一篇"]

    def test_publish_button_publishes_issue_and_articles(self, editor_client, issue):
        data = issue_form_data(issue, _publish_issue="1")
        response = editor_client.post(f"/admin/newsroom/issue/{issue.pk}/change/", data)
        assert message_texts(response)[-1] == "第3期已发布，同时发布了 2 篇文章。"
        assert Issue.objects.get(pk=issue.pk).status == "published"
        assert Article.objects.published().filter(issue=issue).count() == 2

    def test_publish_refuses_listing_incomplete_articles(self, editor_client, issue, make_article):
        make_article("无正文", issue=issue, position=3, status="draft", body="")
        response = editor_client.post(
            "/admin/newsroom/issue/", {"action": "publish_issues", "_selected_action": [issue.pk]}
        )
        assert message_texts(response) == ["第3期未发布，请先补全：第3篇《无正文》缺少正文"]
        assert Issue.objects.get(pk=issue.pk).status == "draft"

    def test_withdraw_takes_the_issue_off_the_site_and_publish_brings_it_back(self, editor_client, issue):
        editor_client.post(f"/admin/newsroom/issue/{issue.pk}/change/", issue_form_data(issue, _publish_issue="1"))
        response = editor_client.post(
            "/admin/newsroom/issue/", {"action": "withdraw_issues", "_selected_action": [issue.pk]}
        )
        assert message_texts(response)[-1] == "第3期已撤回，读者不再能看到本期文章。"
        assert Issue.objects.get(pk=issue.pk).status == "draft"
        assert Article.objects.published().filter(issue=issue).count() == 0
        assert editor_client.get("/issues/3/").status_code == 404
        editor_client.post("/admin/newsroom/issue/", {"action": "publish_issues", "_selected_action": [issue.pk]})
        assert Article.objects.published().filter(issue=issue).count() == 2

    def test_reporters_cannot_withdraw_issues(self, reporter_client, issue):
        Issue.objects.filter(pk=issue.pk).update(status="published")
        reporter_client.post("/admin/newsroom/issue/", {"action": "withdraw_issues", "_selected_action": [issue.pk]})
        assert Issue.objects.get(pk=issue.pk).status == "published"

    def test_reporters_cannot_publish_issues(self, reporter_client, issue):
        reporter_client.post("/admin/newsroom/issue/", {"action": "publish_issues", "_selected_action": [issue.pk]})
        assert Issue.objects.get(pk=issue.pk).status == "draft"


@pytest.mark.django_db
class TestImportFromAdmin:
    def upload(self, client, seed_path, **fields):
        with seed_path.open("rb") as f:
            return client.post("/admin/newsroom/issue/import/", {"file": f, "number": 5, **fields})

    def test_dry_run_shows_the_plan_and_writes_nothing(self, editor_client, seed_path):
        response = self.upload(editor_client, seed_path)
        assert response.status_code == 200
        rows = response.context["rows"]
        assert [r["action"] for r in rows] == ["新建", "新建"]
        assert [(r["bylines"], r["paragraphs"]) for r in rows] == [("刘琴（作者）", 25), ("韩霄鹏（作者）", 8)]
        assert rows[1]["zones"] == "济南高新区×10"
        assert rows[0]["zones"].count("×") == 12
        assert Issue.objects.filter(number=5).exists() is False
        assert "确认导入" in response.content.decode()

    def test_confirm_imports_with_revisions(self, editor_client, editor_user, seed_path):
        dry = self.upload(editor_client, seed_path)
        response = editor_client.post("/admin/newsroom/issue/import/", {"_confirm": "1", "sha256": dry.context["sha256"]})
        issue = Issue.objects.get(number=5)
        assert response.status_code == 302
        assert response["Location"] == f"/admin/newsroom/issue/{issue.pk}/change/"
        assert issue.articles.count() == 2
        article = issue.articles.order_by("position").first()
        assert Version.objects.get_for_object(article).first().revision.user == editor_user

    def test_confirm_without_a_dry_run_is_refused(self, editor_client):
        response = editor_client.post("/admin/newsroom/issue/import/", {"_confirm": "1", "sha256": "x"})
        assert response.status_code == 302
        assert Issue.objects.count() == 0

    def test_bad_file_shows_the_importers_error(self, editor_client, tmp_path):
        bad = tmp_path / "bad.txt"
        bad.write_bytes(b"\xff\xfe\x00\xd8garbage\x80\x81")
        with bad.open("rb") as f:
            response = editor_client.post("/admin/newsroom/issue/import/", {"file": f})
        assert response.context["import_error"].startswith("bad.txt")

    def test_reporters_cannot_import(self, reporter_client):
        assert reporter_client.get("/admin/newsroom/issue/import/").status_code == 403


@pytest.mark.django_db
class TestDashboard:
    def test_index_lists_review_scheduled_and_recent(self, editor_client, make_article, draft_article, article_form_data):
        import datetime

        from django.utils import timezone

        make_article("待审稿", status="review")
        make_article("排期稿", publish_at=timezone.now() + datetime.timedelta(days=2))
        editor_client.post(f"/admin/articles/article/{draft_article.pk}/change/", article_form_data(draft_article))
        response = editor_client.get("/admin/")
        html = response.content.decode()
        assert "另有 1 篇草稿。" in html
        review = html[html.index('id="dashboard-review"'):html.index('id="dashboard-scheduled"')]
        scheduled = html[html.index('id="dashboard-scheduled"'):html.index('id="dashboard-recent"')]
        recent = html[html.index('id="dashboard-recent"'):]
        assert "待审稿" in review and "排期稿" not in review
        assert "排期稿" in scheduled and "待审稿" not in scheduled
        assert "成都高新区发布新政" in recent and "王芳" in recent

    def test_index_query_count_does_not_grow(self, editor_client, make_article, django_assert_max_num_queries):
        for i in range(15):
            make_article(f"待审{i}", status="review")
        with django_assert_max_num_queries(12):
            editor_client.get("/admin/")


@pytest.mark.django_db
class TestImportRacesFromAdmin:
    """What the upload says when the text is already an issue, or another import got there first."""

    def upload(self, client, seed_path, **fields):
        with seed_path.open("rb") as f:
            return client.post("/admin/newsroom/issue/import/", {"file": f, "number": 5, **fields})

    def test_text_already_an_issue_is_refused_at_the_dry_run(self, editor_client, imported_seed, seed_path):
        response = self.upload(editor_client, seed_path)
        assert response.context["import_error"] == (
            f"{seed_path.name}：内容与第 1 期（{seed_path.name}）相同，未导入；确实要再导入一份，请加 --allow-duplicate。"
        )
        assert "确认导入" not in response.content.decode()

    def test_allow_duplicate_box_imports_a_second_copy(self, editor_client, imported_seed, seed_path):
        dry = self.upload(editor_client, seed_path, allow_duplicate="on")
        editor_client.post("/admin/newsroom/issue/import/", {"_confirm": "1", "sha256": dry.context["sha256"]})
        assert list(Issue.objects.order_by("number").values_list("number", flat=True)) == [1, 5]
        assert Issue.objects.get(number=5).articles.count() == 2

    def test_confirm_after_another_import_took_the_text_is_one_line(self, editor_client, seed_path):
        from io import StringIO

        from django.core.management import call_command

        dry = self.upload(editor_client, seed_path)
        call_command("import_issue", str(seed_path), "--number", "1", stdout=StringIO())
        response = editor_client.post("/admin/newsroom/issue/import/", {"_confirm": "1", "sha256": dry.context["sha256"]})
        assert response.status_code == 302 and response["Location"] == "/admin/newsroom/issue/import/"
        assert message_texts(response) == [
            f"{seed_path.name}：内容与第 1 期（{seed_path.name}）相同，未导入；确实要再导入一份，请加 --allow-duplicate。"
        ]
        assert list(Issue.objects.values_list("number", flat=True)) == [1]

    def test_confirm_after_another_import_took_the_number_is_one_line(self, editor_client, seed_path, tmp_path):
        from io import StringIO

        from django.core.management import call_command

        dry = self.upload(editor_client, seed_path)
        (tmp_path / "other.txt").write_text("别的期\n\n► 刘琴\n\n成都高新区第一段。\n")
        call_command("import_issue", str(tmp_path / "other.txt"), "--number", "5", stdout=StringIO())
        response = editor_client.post("/admin/newsroom/issue/import/", {"_confirm": "1", "sha256": dry.context["sha256"]})
        assert message_texts(response) == [f"{seed_path.name}：第 5 期已由 other.txt 导入；要用这个文件替换它，请加 --force。"]
        assert Issue.objects.get(number=5).source_name == "other.txt"
